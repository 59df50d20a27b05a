/**
 * README claims that no other test pins down, checked against the reference auth server (MSW) with
 * fake timers. Each test names the README passage it checks.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  isLoginError,
  isRefreshError,
  isSessionEndedError,
  localLock,
  manualLifecycle,
  memoryStorage,
  type AuthClient,
} from '../../src';
import { API, flush, jump, record, setup, signIn } from './support';

const env = setup();

/** What a promise settled with: its value, or its error. */
const caught = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error);

/** The README's mark name: `tokenflight:<storageKey>:sent:<fingerprint>` (FNV-1a, 32 bits, hex). */
const markName = (storageKey: string, token: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return `tokenflight:${storageKey}:sent:${(hash >>> 0).toString(16).padStart(8, '0')}`;
};

describe('README: API table', () => {
  it('refresh() without a session rejects with NotAuthenticatedError (TF_NOT_AUTHENTICATED) and sends nothing', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await auth.ready;
    const error = await caught(auth.refresh());
    expect(error).toMatchObject({ name: 'NotAuthenticatedError', code: 'TF_NOT_AUTHENTICATED' });
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('`http.create()` starts a bare ky instance: no Bearer, no refresh, no replay', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const bare = auth.http.create();
    const error = await caught(bare.get(`${API}api/me`));
    expect(error).toMatchObject({ name: 'HTTPError', response: { status: 401 } });
    expect(server.counters).toMatchObject({ refreshCalls: 0, unauthorized: 1 });
    // The client's own instance still carries the token.
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });

  it('a login while signed in ends the old session once (`replaced`) and revokes its refresh token', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    await signIn(auth);
    // The old family's revocation runs in the background (WebCrypto hashing on real time): let it arrive.
    const deadline = performance.now() + 5_000;
    while (server.counters.revocations === 0 && performance.now() < deadline) await flush(1);
    expect(log.events.map((e) => e.type)).toEqual(['session:end', 'session:start']);
    expect(log.of('session:end')).toEqual([{ reason: 'replaced', origin: 'local' }]);
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'login', generation: 2 })]);
    const families = server.keys('ada');
    expect(families).toHaveLength(2);
    expect(families.filter((key) => key.revokedAt !== null)).toHaveLength(1);
    expect(server.counters.revocations).toBe(1);
  });
});

describe('README: options table', () => {
  it('`endpoints.login: false` disables login: it rejects with a LoginError and nothing is posted', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, endpoints: { login: false } });
    const error = await caught(signIn(auth));
    expect(isLoginError(error)).toBe(true);
    expect(server.counters.loginCalls).toBe(0);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('`refreshMargin` decides how long before expiry the timer refreshes', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ refreshMargin: () => 120_000 });
    await signIn(auth);
    await vi.advanceTimersByTimeAsync(179_000);
    await flush();
    expect(server.counters.refreshCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    await flush();
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('`refreshMargin` never refreshes in the first half of the lifetime, whatever it returns', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ refreshMargin: () => 290_000 });
    await signIn(auth);
    await vi.advanceTimersByTimeAsync(149_000);
    await flush();
    expect(server.counters.refreshCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    await flush();
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('`shouldRefresh` replaces the default rule: a 401 the default ignores (insufficient_scope) refreshes and replays', async () => {
    const challenge = { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' };
    for (const [shouldRefresh, refreshes] of [
      [undefined, 0],
      [(response: Response) => response.status === 401, 1],
    ] as const) {
      const server = env.server();
      const auth = env.client({ autoRefresh: false, ...(shouldRefresh === undefined ? {} : { shouldRefresh }) });
      await signIn(auth);
      server.inject('resource', { type: 'status', status: 401, headers: challenge });
      const outcome = await caught(auth.http.get('api/me').json());
      expect(server.counters.refreshCalls).toBe(refreshes);
      if (refreshes === 1) expect(outcome).toMatchObject({ username: 'ada' });
      else expect(outcome).toMatchObject({ name: 'HTTPError', response: { status: 401 } });
    }
  });

  it('`autoRefresh: false`: no background refresh, not even when the page becomes visible again or comes online', async () => {
    for (const [autoRefresh, expected] of [
      [true, 1],
      [false, 0],
    ] as const) {
      const server = env.server({ accessTokenTtl: 300 });
      const lifecycle = manualLifecycle();
      const auth = env.client({ autoRefresh, lifecycle });
      await signIn(auth);
      lifecycle.emit('hidden');
      jump(280_000); // past the refresh margin (270 s), before expiry (300 s)
      lifecycle.emit('visible');
      lifecycle.emit('offline');
      lifecycle.emit('online');
      await flush();
      await vi.advanceTimersByTimeAsync(0);
      expect(server.counters.refreshCalls, `autoRefresh: ${autoRefresh}`).toBe(expected);
      auth.dispose();
    }
  });
});

describe('README: failure policy', () => {
  /** The login answer without a refresh token (optional in RFC 6749 §5.1). */
  const withoutRefreshToken = (origin: string, handle: (request: Request) => Promise<Response>) =>
    env.msw.use(
      http.post(`${origin}/auth/login`, async ({ request }) => {
        const body = (await (await handle(request)).json()) as Record<string, unknown>;
        delete body['refreshToken'];
        return HttpResponse.json(body);
      }),
    );

  it('a session without a refresh token ends with `expired` once its access token has expired; getAccessToken() never hands out the expired token', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    withoutRefreshToken(server.origin, (request) => server.handle(request));
    const auth = env.client();
    const log = record(auth);
    await signIn(auth);
    // Never refreshed ahead of time: nothing is scheduled for it.
    await vi.advanceTimersByTimeAsync(290_000);
    expect(server.counters.refreshCalls).toBe(0);
    expect(log.of('session:end')).toEqual([]);

    jump(20_000); // expired now
    const outcome = await caught(auth.getAccessToken());
    expect(isSessionEndedError(outcome) && outcome.reason).toBe('expired');
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: false }]);
    expect(log.of('session:end')).toEqual([{ reason: 'expired', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('429/404/408 stay transient even with an OAuth error body; the same body on a 400 ends the session', async () => {
    for (const [status, terminal] of [
      [429, false],
      [404, false],
      [408, false],
      [400, true],
    ] as const) {
      const server = env.server();
      const auth = env.client({ autoRefresh: false });
      await signIn(auth);
      server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant', status });
      const outcome = await caught(auth.refresh());
      expect(isSessionEndedError(outcome), `status ${status}`).toBe(terminal);
      expect(isRefreshError(outcome), `status ${status}`).toBe(!terminal);
      expect(auth.session.status).toBe(terminal ? 'unauthenticated' : 'authenticated');
      auth.dispose();
    }
  });

  it('honours Okta\'s `X-Rate-Limit-Reset` (Unix seconds) on a 429 without Retry-After', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    const reset = Math.floor(Date.now() / 1000) + 120;
    server.inject('refresh', { type: 'status', status: 429, headers: { 'X-Rate-Limit-Reset': String(reset) } });
    const error = await caught(auth.refresh());
    expect(isRefreshError(error)).toBe(true);
    const [failed] = log.of('session:refresh-failed');
    expect(failed).toMatchObject({ retryable: true, status: 429 });
    expect(failed?.nextAttemptAt).toBeGreaterThanOrEqual(reset * 1000 - 1000);
    expect(failed?.nextAttemptAt).toBeLessThanOrEqual(reset * 1000 + 1000);
  });

  it('a login the server cannot answer is a retryable LoginError; wrong credentials are not', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    server.inject('login', { type: 'status', status: 503 });
    expect(await caught(signIn(auth))).toMatchObject({ code: 'TF_LOGIN_FAILED', retryable: true, status: 503 });
    server.inject('login', { type: 'network-error' });
    expect(await caught(signIn(auth))).toMatchObject({ code: 'TF_LOGIN_FAILED', retryable: true });
    expect(await caught(auth.login({ username: 'ada', password: 'nope' }))).toMatchObject({ retryable: false, reason: 'invalid_grant' });
  });
});

describe('README: storage', () => {
  it('invalid stored data with a `refreshKey`: the key is removed and the client starts from the refresh key (no `invalid-storage` end)', async () => {
    const server = env.server();
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
    const storage = memoryStorage();
    await storage.setItem('tokenflight.session', '{"v":1,"accessToken":"not a token"}');
    const auth = env.client({ storage, refreshKey, autoRefresh: false });
    const log = record(auth);
    await auth.ready;
    expect(await storage.getItem('tokenflight.session')).toBeNull();
    expect(log.of('session:end')).toEqual([]);
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'refresh-key' })]);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });
});

describe('README: multiple tabs', () => {
  it('a tab that finds the token marked as sent waits past `lockTimeout` only while the sender\'s mark is held, then posts it', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const storage = memoryStorage();
    const lock = localLock();
    const auth: AuthClient = env.client({ storage, lock, channel: false, autoRefresh: false, lockTimeout: 2_000 });
    await signIn(auth);
    const stored = JSON.parse(String(await storage.getItem('tokenflight.session'))) as { refreshToken: string };
    // Another tab has sent this refresh token and its call is still on the way.
    const release = lock.mark?.(markName('tokenflight.session', stored.refreshToken));
    expect(release).toBeTypeOf('function');
    jump(280_000);
    const refreshed = caught(auth.refresh());
    await vi.advanceTimersByTimeAsync(2_000 + 5_000);
    expect(server.counters.refreshCalls).toBe(0);
    release?.();
    await vi.advanceTimersByTimeAsync(200);
    await flush();
    expect(await refreshed).toMatchObject({ status: 'authenticated', generation: 2 });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });
});
