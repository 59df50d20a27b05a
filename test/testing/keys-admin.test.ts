import { describe, expect, it, vi } from 'vitest';
import { api, claimsOf, login, postJson, refresh, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();
const users = [
  { username: 'ada', password: 'lovelace', scope: 'read write' },
  { username: 'alan', password: 'turing', scope: 'read' },
];

describe('logout', () => {
  it('revokes the whole family and answers 204', async () => {
    const server = start();
    const first = await login(server);
    const second = (await (await refresh(server, first.refreshToken)).json()) as { refreshToken: string };
    const response = await postJson(server, '/auth/logout', { refreshToken: second.refreshToken });
    expect(response.status).toBe(204);
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
    expect(server.counters.revocations).toBe(1);
    expect((await refresh(server, second.refreshToken)).status).toBe(401);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('answers 204 for an unknown token and 400 without one', async () => {
    const server = start();
    expect((await postJson(server, '/auth/logout', { refreshToken: 'unknown' })).status).toBe(204);
    expect(server.counters.revocations).toBe(0);
    expect((await postJson(server, '/auth/logout', {})).status).toBe(400);
  });
});

describe('key admin API', () => {
  it("lists only the caller's keys, without hashes or raw tokens", async () => {
    const server = start({ users });
    const ada = await login(server, { deviceInfo: 'laptop' });
    await login(server, { username: 'alan', password: 'turing' });
    const response = await api(server, '/auth/keys', ada.accessToken);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(ada.refreshToken);
    expect(text).not.toContain('tokenHash');
    const { keys } = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ username: 'ada', deviceInfo: 'laptop', audience: 'tokenflight-api', revokedAt: null, current: true });
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(
      ['audience', 'content', 'createdAt', 'current', 'deviceInfo', 'expiresAt', 'familyId', 'jti', 'lastUsedAt', 'lifetime', 'parentJti', 'revokedAt', 'rotatedAt', 'username'].sort(),
    );
    expect((await api(server, '/auth/keys')).status).toBe(401);
  });

  it('marks current only the keys of the family the access token was issued from (its sid claim)', async () => {
    const server = start();
    const laptop = await login(server, { deviceInfo: 'laptop' });
    const phone = await login(server, { deviceInfo: 'phone' });
    const rotated = (await (await refresh(server, laptop.refreshToken)).json()) as { accessToken: string };
    for (const [token, device] of [[laptop.accessToken, 'laptop'], [rotated.accessToken, 'laptop'], [phone.accessToken, 'phone']] as const) {
      const { keys } = (await (await api(server, '/auth/keys', token)).json()) as { keys: Array<{ deviceInfo: string; current: boolean; familyId: string }> };
      expect(keys.filter((k) => k.current).map((k) => k.deviceInfo)).toEqual(device === 'laptop' ? ['laptop', 'laptop'] : ['phone']);
      expect(new Set(keys.filter((k) => k.current).map((k) => k.familyId))).toEqual(new Set([claimsOf(token)['sid']]));
    }
  });

  it("revokes one of the caller's keys and refuses someone else's", async () => {
    const server = start({ users });
    const ada = await login(server);
    const alan = await login(server, { username: 'alan', password: 'turing' });
    const alanKey = server.keys('alan')[0]?.jti ?? '';
    const foreign = await api(server, `/auth/keys/${alanKey}`, ada.accessToken, { method: 'DELETE' });
    expect(foreign.status).toBe(404);
    expect((await refresh(server, alan.refreshToken)).status).toBe(200);
    const own = server.keys('ada')[0]?.jti ?? '';
    const deleted = await api(server, `/auth/keys/${own}`, ada.accessToken, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await refresh(server, ada.refreshToken)).status).toBe(401);
  });

  it('mints a long-lived key over HTTP that refreshes into access tokens for its audience', async () => {
    useFakeClock();
    const server = start({ refreshKeyLifetime: 60 });
    const { accessToken } = await login(server);
    const response = await postJson(server, '/auth/keys', { audience: 'tokenflight-api', lifetime: 86_400, deviceInfo: 'cron job' }, { authorization: `Bearer ${accessToken}` });
    const bad = await postJson(server, '/auth/keys', { audience: 'x', lifetime: -1 }, { authorization: `Bearer ${accessToken}` });
    expect(bad.status).toBe(400);
    expect(response.status).toBe(201);
    const minted = (await response.json()) as { refreshKey: string; jti: string; audience: string; expiresAt: number };
    expect(minted).toMatchObject({ audience: 'tokenflight-api', expiresAt: Date.now() + 86_400_000 });
    vi.advanceTimersByTime(3_600_000);
    const exchanged = await refresh(server, minted.refreshKey);
    expect(exchanged.status).toBe(200);
    const pair = (await exchanged.json()) as { accessToken: string };
    expect((await api(server, '/api/me', pair.accessToken)).status).toBe(200);
    expect(server.keys('ada').find((key) => key.jti === minted.jti)?.deviceInfo).toBe('cron job');
  });

  it('mintRefreshKey issues tokens carrying the key audience and content', async () => {
    const server = start({ audience: 'tokenflight-api' });
    const billing = await server.mintRefreshKey({ username: 'ada', audience: 'billing', lifetime: 3600, content: { scope: 'read', tenant: 't1' } });
    const record = server.keys('ada').find((key) => key.jti === billing.jti);
    expect(record).toMatchObject({ audience: 'billing', lifetime: 3600, content: { sub: 'ada', scope: 'read', tenant: 't1' } });
    const pair = (await (await refresh(server, billing.refreshKey)).json()) as { accessToken: string };
    expect(claimsOf(pair.accessToken)).toMatchObject({ aud: 'billing', scope: 'read', tenant: 't1' });
    const foreign = await api(server, '/api/me', pair.accessToken);
    expect(foreign.status).toBe(401);
    expect(foreign.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const own = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
    const ownPair = (await (await refresh(server, own.refreshKey)).json()) as { accessToken: string };
    expect((await api(server, '/api/me', ownPair.accessToken)).status).toBe(200);
  });

  it('issueTokens seeds a session without counting a login', async () => {
    const server = start();
    const pair = await server.issueTokens('ada', { scope: 'read', deviceInfo: 'seed' });
    expect(pair.expiresIn).toBe(300);
    expect(claimsOf(pair.accessToken)['scope']).toBe('read');
    expect((await refresh(server, pair.refreshToken)).status).toBe(200);
    expect(server.counters.loginCalls).toBe(0);
    await expect(server.issueTokens('nobody')).rejects.toThrow(/Unknown user/);
  });
});
