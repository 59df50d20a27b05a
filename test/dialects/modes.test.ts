import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, isSessionEndedError, memoryStorage, SessionEndedError } from '../../src';
import {
  caught,
  cookieJar,
  editJson,
  eventually,
  expectCleanWire,
  expectNoSecrets,
  issuedTokens,
  jump,
  record,
  settle,
  setupDialects,
  signIn,
  spyConsole,
  until,
} from './support';

const env = setupDialects();
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

/** A response whose headers arrive but whose body never ends (a stalled proxy). */
const stalled = (status: number, first = '{"err') =>
  new HttpResponse(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(first));
      },
    }),
    { status, headers: { 'content-type': 'application/json' } },
  );

/** Lets the next call to `path` be handled by the reference server at once, but holds its answer until `release()`. */
function answerLate(server: ReturnType<typeof env.server>, path: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let handled!: () => void;
  const done = new Promise<void>((resolve) => (handled = resolve));
  let used = false;
  env.msw.use(
    http.post(`${server.origin}${path}`, async ({ request }) => {
      if (used) return undefined; // later calls fall through to the recorded reference server
      used = true;
      const response = await server.handle(request);
      handled();
      await gate;
      return response;
    }),
  );
  return { release, handled: done };
}

describe('cookie (BFF) mode', () => {
  it('a refresh token a misconfigured server sends in the body never reaches storage, events, errors or getAccessToken', async () => {
    const sent: string[] = [];
    const server = env.server(
      { cookieMode: true, accessTokenTtl: 60 },
      env.onTokenCalls(async (_request, response) => {
        if (response.status !== 200) return response;
        const leaked = `leak${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
        sent.push(leaked);
        return editJson(response, (body) => ({ ...body, refresh_token: leaked, refreshToken: leaked }));
      }),
    );
    const jar = cookieJar();
    const storage = memoryStorage();
    const consoleSpy = spyConsole();
    const auth = env.client({ cookie: true, fetch: jar.fetch, storage, lock: false, channel: false, autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    jump(61_000);
    await auth.http.get('api/me').json();
    server.inject('refresh', { type: 'status', status: 503 });
    const transient = await caught(auth.refresh());
    expect(isRefreshError(transient)).toBe(true);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const blob = String(await storage.getItem('tokenflight.session'));
    expect(JSON.parse(blob)).toMatchObject({ refreshToken: null });
    expectNoSecrets([blob, log.events, transient, await auth.getAccessToken(), auth.session, consoleSpy.calls()], sent);
    // ...and never goes back over the wire (only the HttpOnly cookie does).
    for (const e of env.wire) for (const value of sent) expect(e.body.includes(value) || JSON.stringify(e.headers).includes(value)).toBe(false);
    // credentials: 'include' only on auth endpoints; the cookie never goes to the API.
    for (const call of jar.sent) {
      const path = new URL(call.url).pathname;
      if (path.startsWith('/auth/')) expect(call.credentials).toBe('include');
      else expect([call.credentials, call.cookie]).toEqual([expect.not.stringMatching(/^include$/), null]);
    }
  });

  it('a 401 storm in cookie mode: one refresh, one event, every request replayed once with the new token', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 3600 });
    const jar = cookieJar();
    const auth = env.client({ cookie: true, fetch: jar.fetch, lock: false, channel: false, autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    server.expireAccessTokens();
    server.resetCounters();
    env.wire.length = 0; // not the start-up attempt to resume from a cookie (there was none yet)
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => auth.http.get(`api/items/${i}`).json()));
    expect(results).toHaveLength(60);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 60, resourceRequests: 120 });
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(env.tokenCalls().filter((c) => c.path === '/auth/refresh').map((c) => c.body)).toEqual(['{"deviceInfo":"test"}']);
  });

  it('logout while a refresh is on the wire: the cookie that late answer sets does not survive the logout', async () => {
    const server = env.server({ cookieMode: true, accessTokenTtl: 60 });
    const jar = cookieJar();
    const auth = env.client({ cookie: true, fetch: jar.fetch, lock: false, channel: false, autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    const late = answerLate(server, '/auth/refresh');
    const refreshing = caught(auth.refresh());
    await late.handled; // the server rotated the cookie; its answer is still on the way
    const { revocation } = await auth.logout();
    await revocation;
    expect(jar.jar.has('tf_refresh')).toBe(false);
    late.release();
    expect(isSessionEndedError(await refreshing)).toBe(true);
    // Like the non-cookie modes ("a token rotated by such a late refresh is revoked"): the late cookie is
    // revoked/cleared at the server, not left in the browser. (The revocation runs in the background and
    // its round trip takes real time: wait for it, bounded, so it cannot spill into the next test.)
    await eventually(() => env.tokenCalls().filter((c) => c.path === '/auth/logout').length === 2);
    await eventually(() => !jar.jar.has('tf_refresh'));
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    expect(log.of('session:refresh')).toEqual([]);
  });

  it('logout() with no local session (page reloaded, memory storage, server unreachable at start-up) still asks the server to clear the HttpOnly cookie', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    const first = env.client({ cookie: true, fetch: jar.fetch, lock: false, channel: false, autoRefresh: false });
    await signIn(first);
    first.dispose(); // the page reloads: the access token (memory) is gone, the cookie stays
    server.inject('refresh', { type: 'network-error' }); // the start-up resume gets no answer
    const reloaded = env.client({ cookie: true, fetch: jar.fetch, lock: false, channel: false, autoRefresh: false });
    await reloaded.ready;
    expect(reloaded.session.status).toBe('unauthenticated');
    const { revocation } = await reloaded.logout();
    await revocation;
    // The client cannot know whether a cookie is set: only the server can clear it.
    expect(env.tokenCalls().filter((c) => c.path === '/auth/logout')).toHaveLength(1);
    expect(jar.jar.has('tf_refresh')).toBe(false);
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
  });
});

describe('custom refresh', () => {
  it('throwing SessionEndedError under a storm ends the session once; every waiter gets the same typed error', async () => {
    env.server({ accessTokenTtl: 60 });
    let calls = 0;
    const auth = env.client({
      autoRefresh: false,
      refresh: async () => {
        calls++;
        throw new SessionEndedError('revoked');
      },
    });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const errors = await Promise.all(Array.from({ length: 20 }, (_, i) => caught(auth.http.get(`api/items/${i}`))));
    expect(calls).toBe(1);
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'revoked' });
    expect(log.of('session:end')).toEqual([{ reason: 'revoked', origin: 'local' }]);
    expect(log.of('session:refresh-failed')).toEqual([{ retryable: false, attempt: 1, code: 'TF_SESSION_ENDED' }]);
  });

  it('after a transient error the next attempt gets the same (unspent) token, then the rotated one', async () => {
    env.server({ accessTokenTtl: 60 });
    const seen: Array<string | null> = [];
    let fail = true;
    const auth = env.client({
      autoRefresh: false,
      refresh: async ({ refreshToken, signal }) => {
        seen.push(refreshToken);
        if (fail) {
          fail = false;
          throw new TypeError(`fetch failed for ${refreshToken ?? ''}`);
        }
        return fetch('https://auth.test/auth/refresh', { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
      },
    });
    await signIn(auth);
    expect(isRefreshError(await caught(auth.refresh()))).toBe(true);
    expect(seen).toHaveLength(1); // a custom function's error is never resent at once
    await vi.advanceTimersByTimeAsync(1_000);
    await auth.refresh();
    await auth.refresh();
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen.every((t) => typeof t === 'string')).toBe(true);
  });

  it('a returned Response whose body stalls is still bounded by `timeout` (and its signal aborted)', async () => {
    env.server();
    let signal: AbortSignal | undefined;
    const auth = env.client({
      autoRefresh: false,
      timeout: 5_000,
      refresh: async (context) => {
        signal = context.signal;
        // Headers arrived; the body never ends (not tied to the signal: a proxy, a cached Response...).
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"access_token":"'));
            },
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        );
      },
    });
    await signIn(auth);
    const pending = caught(auth.refresh());
    const error = await until(pending, 60_000);
    expect(signal?.aborted).toBe(true);
    expect(isRefreshError(error)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
  });
});

describe('service refresh keys', () => {
  it('OAuth: audience and client_id go with every refresh (the noResponse resend included); the key is never in a URL', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    const auth = env.client({ protocol: 'oauth', clientId: 'tokenflight', refreshKey, audience: 'tokenflight-api', autoRefresh: false });
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    server.inject('token', { type: 'rotate-then-drop' });
    await until(caught(auth.refresh()));
    const refreshes = env.tokenCalls().filter((c) => c.path === '/oauth/token').map((c) => form(c.body));
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    for (const body of refreshes) expect(body).toMatchObject({ grant_type: 'refresh_token', audience: 'tokenflight-api', client_id: 'tokenflight' });
    expect(server.counters.loginCalls).toBe(0);
    expectCleanWire(env.wire, server, [refreshKey]);
  });

  it('a stored session of another user wins over refreshKey: the key is never sent', async () => {
    const server = env.server({ accessTokenTtl: 300, users: [{ username: 'ada', password: 'lovelace' }, { username: 'bob', password: 'builder' }] });
    const { refreshKey } = await server.mintRefreshKey({ username: 'bob', audience: 'tokenflight-api', lifetime: 86_400 });
    const storage = memoryStorage();
    const user = env.client({ storage, lock: false, channel: false, autoRefresh: false });
    await signIn(user);
    user.dispose();
    const service = env.client({ storage, lock: false, channel: false, refreshKey, autoRefresh: false });
    const log = record(service);
    await service.ready;
    expect(log.of('session:start')).toMatchObject([{ source: 'storage' }]);
    jump(301_000);
    await expect(service.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    for (const e of env.wire) expect(e.body.includes(refreshKey)).toBe(false);
  });

  it('logout before the key was ever used revokes the key itself; a restart on the same storage ends once with invalid_grant', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    const storage = memoryStorage();
    const auth = env.client({ refreshKey, storage, lock: false, channel: false, autoRefresh: false });
    await auth.ready;
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    expect(server.keys('ada').find((k) => k.jti === jti)?.revokedAt).not.toBeNull();
    expect(server.counters.refreshCalls).toBe(0);
    const again = env.client({ refreshKey, storage, lock: false, channel: false, autoRefresh: false });
    const log = record(again);
    const errors = await Promise.all([caught(again.http.get('api/me')), caught(again.http.get('api/me'))]);
    expect(errors.every((e) => isSessionEndedError(e) && e.reason === 'invalid_grant')).toBe(true);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('logout revocation', () => {
  it('revokes the latest rotated token, never the original; exactly one revocation per logout, none when signed out', async () => {
    const server = env.server();
    const auth = env.client({ protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false });
    await signIn(auth);
    await auth.refresh();
    await auth.refresh();
    const latest = (JSON.parse(env.tokenCalls().at(-1)?.responseBody ?? '') as { refresh_token: string }).refresh_token;
    const log = record(auth);
    const first = await auth.logout();
    const second = await auth.logout();
    await expect(first.revocation).resolves.toBe(true);
    await expect(second.revocation).resolves.toBe(true);
    const revokes = env.wire.filter((e) => e.path === '/oauth/revoke');
    expect(revokes.map((c) => form(c.body)['token'])).toEqual([latest]);
    expect(log.of('session:end')).toHaveLength(1);
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
  });

  it('a 5xx whose body stalls does not wedge the revocation: it settles within `timeout` and is retried', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, timeout: 5_000 });
    await signIn(auth);
    const log = record(auth);
    let stalls = 0;
    env.msw.use(
      http.post(`${server.origin}/auth/logout`, () => {
        if (stalls++ > 0) return undefined;
        return stalled(503);
      }),
    );
    const { revocation } = await auth.logout();
    await expect(until(revocation, 60_000)).resolves.toBe(false);
    // Retried in the background and confirmed.
    await until(
      new Promise<void>((resolve) => {
        const check = () => (server.counters.revocations > 0 ? resolve() : setTimeout(check, 10));
        check();
      }),
      60_000,
    );
    expect(log.of('session:error')).toEqual([]);
  });

  it('gives up after bounded retries on 5xx with one session:error that carries no token', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    server.inject('logout', { type: 'status', status: 502 }, 100);
    await auth.logout();
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    await vi.advanceTimersByTimeAsync(3_600_000);
    await settle();
    expect(env.tokenCalls().filter((c) => c.path === '/auth/logout')).toHaveLength(4);
    expect(log.of('session:error')).toEqual([{ operation: 'revoke', code: 'revoke-failed', message: expect.any(String) }]);
    expectNoSecrets([log.events], issuedTokens(env.wire));
  });
});

describe('auth.sessions', () => {
  it('revoke() and list() answered 401 share the one refresh and are replayed once with the new token', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const laptop = env.client({ autoRefresh: false, deviceInfo: 'laptop' });
    const phone = env.client({ autoRefresh: false, deviceInfo: 'phone' });
    await signIn(laptop);
    await signIn(phone);
    const target = (await laptop.sessions.list()).find((s) => s.deviceInfo === 'phone');
    server.expireAccessTokens();
    server.resetCounters();
    const [listed, revoked] = await Promise.all([laptop.sessions.list(), laptop.sessions.revoke(target?.jti ?? '')]);
    expect(revoked).toBe(true);
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    const lists = env.wire.filter((e) => e.method === 'GET' && e.path === '/auth/keys');
    expect(lists.map((e) => e.status)).toEqual([200, 401, 200]);
    const deletes = env.wire.filter((e) => e.method === 'DELETE');
    expect(deletes.map((e) => e.status)).toEqual([401, 204]);
    expect(deletes[0]?.headers['authorization']).not.toBe(deletes[1]?.headers['authorization']);
  });

  it('revoking the current session’s own key (marked current by list()): the session ends at once (revoked), nothing refreshes, no token is sent again', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    const [own] = await auth.sessions.list();
    expect(own?.current).toBe(true);
    server.resetCounters();
    expect(await auth.sessions.revoke(own?.jti ?? '')).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'revoked', origin: 'local' }]);
    const errors = await Promise.all([caught(auth.http.get('api/me')), caught(auth.sessions.list())]);
    expect(errors.every((e) => (e as { response?: Response }).response?.status === 401)).toBe(true);
    expect(env.wire.slice(-2).every((e) => e.headers['authorization'] === undefined)).toBe(true);
    expect(log.of('session:end')).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(0);
  });
});
