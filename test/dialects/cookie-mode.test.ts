import { describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../src';
import { cookieJar, editJson, expectCleanWire, issuedTokens, jump, record, setupDialects, signIn } from './support';
import { fakeNavigatorLocks } from '../tabs/support';

const env = setupDialects();

/** A cookie-mode client (refresh token only in the HttpOnly cookie) with its own jar. */
function cookieClient(extra: Parameters<typeof env.client>[0] = {}) {
  const jar = cookieJar();
  const storage = memoryStorage();
  const auth = env.client({ cookie: true, fetch: jar.fetch, storage, lock: false, channel: false, autoRefresh: false, ...extra });
  return { auth, jar, storage };
}

const stored = async (storage: ReturnType<typeof memoryStorage>) => JSON.parse(String(await storage.getItem('tokenflight.session'))) as Record<string, unknown>;

describe('HttpOnly-cookie (backend-for-frontend) mode', () => {
  it('never sees or stores the refresh token; refreshes with credentials: include and an empty JSON body', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 60 });
    const { auth, jar, storage } = cookieClient();
    await signIn(auth);
    const cookie = jar.jar.get('tf_refresh')?.value ?? '';
    expect(cookie).not.toBe('');
    expect(await stored(storage)).toMatchObject({ refreshToken: null, accessToken: expect.any(String) });
    expect(JSON.stringify(await storage.getItem('tokenflight.session'))).not.toContain(cookie);

    jump(61_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    // The last one: the first was the start-up attempt, before any cookie existed.
    const refresh = env.tokenCalls().filter((c) => c.path === '/auth/refresh').at(-1);
    expect(JSON.parse(refresh?.body ?? '')).toEqual({ deviceInfo: 'test' });
    expect(refresh?.headers['cookie']).toBe(`tf_refresh=${cookie}`);
    // Token-endpoint calls are credentialed; the cookie never goes to the resource API.
    for (const sent of jar.sent) {
      const path = new URL(sent.url).pathname;
      if (path.startsWith('/auth/')) expect(sent.credentials).toBe('include');
      else expect(sent.cookie).toBeNull();
    }
    expect(jar.jar.get('tf_refresh')?.value).not.toBe(cookie); // rotated
    expect(await stored(storage)).toMatchObject({ refreshToken: null, generation: 2 });
    // One more than the refresh: the start-up attempt with no cookie yet.
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
    expectCleanWire(env.wire, server);
  });

  it('single-flight and replay work the same: 200 requests, one refresh, one event', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 3600 });
    const { auth } = cookieClient();
    await signIn(auth);
    const log = record(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const echoes = await Promise.all(Array.from({ length: 200 }, (_, i) => auth.http.post('api/echo', { json: { i } }).json<{ i: number }>()));
    expect(echoes.map((e) => e.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toHaveLength(0);
  });

  it('a refresh token in the body (misconfigured server) is dropped, never stored or sent back', async () => {
    let leaked = '';
    const server = env.server(
      { cookieMode: true, accessTokenTtl: 60 },
      env.onTokenCalls(async (_request, response) => {
        if (response.status !== 200) return response;
        leaked = `leaked${Math.random().toString(36).slice(2)}`;
        return editJson(response, (body) => ({ ...body, refreshToken: leaked, refresh_token: leaked }));
      }),
    );
    const { auth, storage } = cookieClient();
    await auth.ready;
    server.resetCounters();
    await signIn(auth);
    const first = leaked;
    expect(await stored(storage)).toMatchObject({ refreshToken: null });
    await auth.refresh();
    expect(env.wire.some((e) => e.body.includes(first))).toBe(false);
    expect(await stored(storage)).toMatchObject({ refreshToken: null });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('an expired or revoked cookie ends the session like any rejected grant', async () => {
    const server = env.server({ cookieMode: true });
    const { auth, storage } = cookieClient();
    const log = record(auth);
    await signIn(auth);
    server.revokeKey(server.keys('ada')[0]?.jti ?? '');
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'invalid_grant' });
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(await storage.getItem('tokenflight.session')).toBeNull();
  });

  it('logout posts to the logout endpoint with the cookie; the server revokes and clears it', async () => {
    const server = env.server({ cookieMode: true });
    const { auth, jar } = cookieClient();
    await signIn(auth);
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    const logout = env.tokenCalls().find((c) => c.path === '/auth/logout');
    expect(JSON.parse(logout?.body ?? '')).toEqual({});
    expect(logout?.headers['cookie']).toMatch(/^tf_refresh=/);
    expect(jar.jar.has('tf_refresh')).toBe(false);
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
  });

  it('a restarted client restores from storage and keeps refreshing through the cookie', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 60 });
    const first = cookieClient();
    await first.auth.ready;
    server.resetCounters();
    await signIn(first.auth);
    first.auth.dispose();
    const again = env.client({ cookie: true, fetch: first.jar.fetch, storage: first.storage, lock: false, channel: false, autoRefresh: false });
    await again.ready;
    expect(again.session.status).toBe('authenticated');
    jump(61_000);
    await expect(again.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(issuedTokens(env.wire, 'refresh')).toHaveLength(2); // two cookies, both only in Set-Cookie
  });
});

describe('cookie mode across tabs', () => {
  it('takes the cross-tab lock by default, whatever the storage: two tabs refreshing at once present the one cookie in turn, never together', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 3600, rotation: 'strict' });
    // Two tabs of one browser: one cookie jar, one navigator.locks, each its own memory storage.
    vi.stubGlobal('navigator', { locks: fakeNavigatorLocks() });
    vi.stubGlobal('document', {});
    const jar = cookieJar();
    const tab = () => env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), channel: false, autoRefresh: false });
    const [a, b] = [tab(), tab()];
    vi.unstubAllGlobals();
    await signIn(a);
    await signIn(b);
    server.expireAccessTokens();
    server.resetCounters();
    const [ra, rb] = await Promise.all([a.http.get('api/me').json(), b.http.get('api/me').json()]);
    expect([ra, rb]).toMatchObject([{ username: 'ada' }, { username: 'ada' }]);
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
  });

  it('outside a browser (each client its own cookie jar) cookie mode takes no lock by default', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 3600, rotation: 'strict' });
    const requests: string[] = [];
    vi.stubGlobal('navigator', { locks: { request: (name: string) => (requests.push(name), new Promise(() => undefined)) } });
    const { auth } = cookieClient({ lock: undefined as never });
    vi.unstubAllGlobals();
    await signIn(auth);
    server.expireAccessTokens();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(requests).toEqual([]);
  });
});
