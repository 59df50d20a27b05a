import { describe, expect, it, vi } from 'vitest';
import { api, claimsOf, login, refresh, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();

async function expectInvalidToken(response: Response): Promise<string> {
  expect(response.status).toBe(401);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  return challenge;
}

describe('resource API challenges (RFC 6750)', () => {
  it('answers a request without credentials with a bare Bearer challenge', async () => {
    const server = start();
    const response = await api(server, '/api/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tokenflight"');
    expect(await response.json()).not.toHaveProperty('error');
    expect(server.counters.unauthorized).toBe(1);
  });

  it('answers malformed, forged and empty tokens with invalid_token', async () => {
    const server = start();
    const { accessToken } = await login(server);
    const [header, payload] = accessToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(accessToken), scope: 'admin' })).toString('base64url');
    await expectInvalidToken(await api(server, '/api/me', 'not-a-jwt'));
    await expectInvalidToken(await api(server, '/api/me', `${header}.${forgedPayload}.${accessToken.split('.')[2]}`));
    await expectInvalidToken(await api(server, '/api/me', `${header}.${payload}.AAAA`));
    await expectInvalidToken(await fetch(`${server.origin}/api/me`, { headers: { authorization: 'Bearer ' } }));
    expect(server.counters.unauthorized).toBe(4);
  });

  it('rejects a token signed by another server', async () => {
    const one = start({ origin: 'http://one.test' });
    const two = start({ origin: 'http://two.test' });
    const { accessToken } = await login(one);
    await expectInvalidToken(await api(two, '/api/me', accessToken));
  });

  it('answers 403 insufficient_scope without the admin scope', async () => {
    const server = start({ users: [{ username: 'ada', password: 'lovelace' }, { username: 'root', password: 'toor', scope: 'read admin' }] });
    const { accessToken } = await login(server);
    const forbidden = await api(server, '/api/admin', accessToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="admin"');
    expect(server.counters.forbidden).toBe(1);
    const root = await login(server, { username: 'root', password: 'toor' });
    expect((await api(server, '/api/admin', root.accessToken)).status).toBe(200);
  });

  it('rejects an access token past its exp on the server clock', async () => {
    useFakeClock();
    const server = start({ accessTokenTtl: 60 });
    const { accessToken } = await login(server);
    vi.advanceTimersByTime(59_000);
    expect((await api(server, '/api/me', accessToken)).status).toBe(200);
    vi.advanceTimersByTime(1_000);
    const challenge = await expectInvalidToken(await api(server, '/api/me', accessToken));
    expect(challenge).toContain('expired');
  });
});

describe('controls', () => {
  it('expireAccessTokens rejects every token issued so far but not later ones', async () => {
    const server = start();
    const first = await login(server);
    const second = await login(server);
    server.expireAccessTokens();
    await expectInvalidToken(await api(server, '/api/me', first.accessToken));
    await expectInvalidToken(await api(server, '/api/me', second.accessToken));
    const renewed = (await (await refresh(server, first.refreshToken)).json()) as { accessToken: string };
    expect((await api(server, '/api/me', renewed.accessToken)).status).toBe(200);
  });

  it('setClockOffset moves iat/exp, expiry checks and the Date header', async () => {
    useFakeClock(Date.UTC(2030, 0, 1));
    const server = start({ accessTokenTtl: 300 });
    const { accessToken } = await login(server);
    server.setClockOffset(301_000);
    await expectInvalidToken(await api(server, '/api/me', accessToken));
    const later = await login(server);
    expect(claimsOf(later.accessToken)['iat']).toBe(Date.UTC(2030, 0, 1) / 1000 + 301);
    const response = await api(server, '/api/me', later.accessToken);
    expect(response.headers.get('date')).toBe(new Date(Date.UTC(2030, 0, 1) + 301_000).toUTCString());
    server.setClockOffset(0);
    expect((await api(server, '/api/me', accessToken)).status).toBe(200);
  });

  it('uses a custom now() as the clock source', async () => {
    let now = Date.UTC(2031, 5, 1);
    const server = start({ now: () => now, accessTokenTtl: 10 });
    const { accessToken } = await login(server);
    expect(claimsOf(accessToken)['iat']).toBe(now / 1000);
    now += 10_000;
    await expectInvalidToken(await api(server, '/api/me', accessToken));
  });
});
