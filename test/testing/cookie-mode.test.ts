import { describe, expect, it, vi } from 'vitest';
import { login, postJson, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();

function cookieValue(response: Response): string {
  const header = response.headers.getSetCookie()[0] ?? '';
  return /^tf_refresh=([^;]*)/.exec(header)?.[1] ?? '';
}

function refreshWithCookie(origin: string, value: string): Promise<Response> {
  return fetch(`${origin}/auth/refresh`, { method: 'POST', headers: { cookie: `tf_refresh=${value}` } });
}

describe('cookie mode', () => {
  it('sets an HttpOnly Secure SameSite=Strict cookie scoped to /auth and omits refreshToken', async () => {
    useFakeClock();
    const server = start({ cookieMode: true, refreshKeyLifetime: 3600 });
    const response = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refreshToken');
    expect(body).toMatchObject({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 300 });
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^tf_refresh=[A-Za-z0-9_-]{43}; HttpOnly; Secure; SameSite=Strict; Path=\/auth; Max-Age=3600$/);
  });

  it('refreshes from the Cookie header with an empty body, Max-Age counting down the family lifetime', async () => {
    useFakeClock();
    const server = start({ cookieMode: true, refreshKeyLifetime: 3600 });
    const first = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    vi.advanceTimersByTime(600_000);
    const second = await refreshWithCookie(server.origin, cookieValue(first));
    expect(second.status).toBe(200);
    expect(await second.json()).not.toHaveProperty('refreshToken');
    expect(second.headers.getSetCookie()[0]).toContain('Max-Age=3000');
    expect(cookieValue(second)).not.toBe(cookieValue(first));
    const reuse = await refreshWithCookie(server.origin, cookieValue(first));
    expect(reuse.status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
  });

  it('logs out from the cookie and clears it', async () => {
    const server = start({ cookieMode: true });
    const first = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    const logout = await fetch(`${server.origin}/auth/logout`, { method: 'POST', headers: { cookie: `tf_refresh=${cookieValue(first)}` } });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()[0]).toMatch(/^tf_refresh=; .*Max-Age=0$/);
    expect(server.keys('ada')[0]?.revokedAt).not.toBeNull();
    expect((await refreshWithCookie(server.origin, cookieValue(first))).status).toBe(401);
  });

  it('does not set cookies outside cookie mode', async () => {
    const server = start();
    const response = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await login(server)).refreshToken).toEqual(expect.any(String));
  });
});
