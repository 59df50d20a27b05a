import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, isSessionEndedError } from '../../src';
import { caught, editJson, expectCleanWire, expectNoSecrets, issuedTokens, record, setupDialects, signIn } from './support';

const env = setupDialects();
const FIELDS = ['jti', 'audience', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt', 'deviceInfo', 'current'].sort();

describe('auth.sessions (key admin API)', () => {
  it('list(): one entry per session (rotations folded), only the page fields, through auth.http', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const laptop = env.client({ autoRefresh: false, deviceInfo: 'Firefox on Linux' });
    const phone = env.client({ autoRefresh: false, deviceInfo: 'Safari on iPhone' });
    await signIn(laptop);
    await signIn(phone);
    await laptop.refresh();
    await laptop.refresh();
    const minted = await server.mintRefreshKey({ username: 'ada', audience: 'reports', lifetime: 3600, deviceInfo: 'cron' });

    const sessions = await laptop.sessions.list();
    expect(sessions.map((s) => s.deviceInfo)).toEqual(['Safari on iPhone', 'Firefox on Linux', 'cron']);
    for (const session of sessions) expect(Object.keys(session).sort()).toEqual(FIELDS);
    const live = server.keys('ada').filter((k) => k.rotatedAt === null);
    for (const session of sessions) {
      const record = live.find((k) => k.jti === session.jti);
      expect(session).toEqual({
        jti: record?.jti,
        audience: record?.audience,
        createdAt: record?.createdAt,
        expiresAt: record?.expiresAt,
        lastUsedAt: record?.lastUsedAt,
        revokedAt: null,
        deviceInfo: record?.deviceInfo,
        current: record?.deviceInfo === 'Firefox on Linux',
      });
    }
    expect(sessions.find((s) => s.jti === minted.jti)?.audience).toBe('reports');
    const list = env.wire.filter((e) => e.path === '/auth/keys');
    expect(list.every((e) => e.method === 'GET' && /^Bearer /.test(e.headers['authorization'] ?? ''))).toBe(true);
    const hashes = server.keys('ada').map((k) => k.tokenHash);
    expectNoSecrets([sessions], [...hashes, ...issuedTokens(env.wire)]);
    expectCleanWire(env.wire, server, [minted.refreshKey]);
  });

  it('list() with an expired access token refreshes first, once', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const [a, b] = await Promise.all([auth.sessions.list(), auth.sessions.list()]);
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('revoke(jti) revokes another device; unknown ids give false; the revoked device ends at its next refresh', async () => {
    env.server({ accessTokenTtl: 300 });
    const laptop = env.client({ autoRefresh: false, deviceInfo: 'laptop' });
    const phone = env.client({ autoRefresh: false, deviceInfo: 'phone' });
    await signIn(laptop);
    await signIn(phone);
    const log = record(phone);
    const target = (await laptop.sessions.list()).find((s) => s.deviceInfo === 'phone');
    expect(await laptop.sessions.revoke(target?.jti ?? '')).toBe(true);
    expect((await laptop.sessions.list()).find((s) => s.jti === target?.jti)?.revokedAt).toBe(Date.now());
    expect(await laptop.sessions.revoke('no-such-key')).toBe(false);
    expect(isSessionEndedError(await caught(phone.refresh()))).toBe(true);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(laptop.session.status).toBe('authenticated');
    const deletes = env.wire.filter((e) => e.method === 'DELETE');
    expect(deletes.map((e) => e.path)).toEqual([`/auth/keys/${target?.jti ?? ''}`, '/auth/keys/no-such-key']);
  });

  it('revoke() encodes the id into one path segment and refuses an empty one', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    expect(await auth.sessions.revoke('../admin?x=1#y')).toBe(false);
    expect(env.wire.at(-1)?.url).toBe('https://auth.test/auth/keys/..%2Fadmin%3Fx%3D1%23y');
    await expect(auth.sessions.revoke('')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('fields beyond the page (hashes, tokens, claims) are never copied, odd values are dropped', async () => {
    const server = env.server({}, async (request, response) =>
      new URL(request.url).pathname === '/auth/keys' && request.method === 'GET'
        ? editJson(response, (body) => ({
            keys: [
              ...(body['keys'] as Array<Record<string, unknown>>).map((k) => ({ ...k, refreshToken: 'rt-SECRET-VALUE-123456', access_token: 'at-SECRET-VALUE-123456' })),
              { jti: 42, tokenHash: 'x' },
              'not an object',
              { jti: 'odd', audience: 7, createdAt: 'yesterday', deviceInfo: `bad\r\nheader${'x'.repeat(300)}` },
            ],
          }))
        : response,
    );
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const sessions = await auth.sessions.list();
    expect(sessions).toHaveLength(2);
    for (const session of sessions) expect(Object.keys(session).sort()).toEqual(FIELDS);
    expect(sessions[1]).toEqual({ jti: 'odd', audience: null, createdAt: null, expiresAt: null, lastUsedAt: null, revokedAt: null, deviceInfo: null, current: false });
    expectNoSecrets([sessions], ['rt-SECRET-VALUE-123456', 'at-SECRET-VALUE-123456', ...server.keys('ada').map((k) => k.tokenHash)]);
  });

  it('endpoints.keys points at another API; snake_case and { sessions } answers are understood', async () => {
    env.server();
    const seen: string[] = [];
    env.msw.use(
      http.get('https://auth.test/account/sessions', ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return HttpResponse.json({ sessions: [{ id: 's1', aud: 'web', created_at: '2030-01-01T00:00:00Z', expires_at: 1_900_000_000_000, last_used_at: null, revoked_at: null, device_info: 'Edge on Windows' }] });
      }),
    );
    const auth = env.client({ autoRefresh: false, endpoints: { keys: 'account/sessions' } });
    await signIn(auth);
    await expect(auth.sessions.list()).resolves.toEqual([
      { jti: 's1', audience: 'web', createdAt: Date.UTC(2030, 0, 1), expiresAt: 1_900_000_000_000, lastUsedAt: null, revokedAt: null, deviceInfo: 'Edge on Windows', current: false },
    ]);
    expect(seen).toEqual([expect.stringMatching(/^Bearer /)]);
  });

  it('signed out: list() fails with the server 401 and carries no token', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    await auth.logout();
    const error = await caught(auth.sessions.list());
    expect(error).toMatchObject({ response: { status: 401 } });
    expectNoSecrets([error], issuedTokens(env.wire));
  });
});
