import { http, HttpResponse } from 'msw';
import { isHTTPError, isTimeoutError } from 'ky';
import { describe, expect, it, vi } from 'vitest';
import {
  DisposedError,
  LoginError,
  isRefreshError,
  isSessionEndedError,
  manualLifecycle,
  type AuthClient,
} from '../../src';
import { leeway, type AuthServer } from '../../src/testing';
import { flush, hold, jump, poisonNextRefresh, record, setup, signIn } from './support';

const env = setup();

/** Records the refresh token each /auth/refresh call presented (in arrival order) and what came back. */
function tapRefresh(server: AuthServer) {
  const sent: string[] = [];
  const issued: string[] = [];
  env.msw.use(
    http.post(`${server.origin}/auth/refresh`, async ({ request }) => {
      const body = (await request.clone().json()) as { refreshToken?: string };
      sent.push(String(body.refreshToken));
      const response = await server.handle(request);
      if (response.type !== 'error' && response.status === 200) {
        const answer = (await response.clone().json()) as { refreshToken?: string; accessToken?: string };
        if (answer.refreshToken) issued.push(answer.refreshToken);
        if (answer.accessToken) issued.push(answer.accessToken);
      }
      return response;
    }),
  );
  return { sent, issued };
}

/** Drives the fake clock in small steps (yielding to real I/O) until `promise` settles. */
async function until<T>(promise: Promise<T>, limitMs = 300_000, step = 10): Promise<T> {
  let done = false;
  const mark = () => void (done = true);
  promise.then(mark, mark);
  for (let t = 0; !done && t < limitMs; t += step) {
    await flush(20);
    if (!done) await vi.advanceTimersByTimeAsync(step);
  }
  if (!done) throw new Error(`still pending after ${limitMs} ms of fake time`);
  return promise;
}

/** Resolves with whether `promise` settled after yielding to I/O, without moving the fake clock. */
async function settlesWithoutTime(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => void (done = true),
    () => void (done = true),
  );
  await flush(50);
  return done;
}

/**
 * A client whose request and token-endpoint timeouts cannot fire just because the fake clock ran ahead
 * of the server's real I/O (WebCrypto) on a loaded machine; tests about timeouts set them explicitly.
 */
const client = (options: Parameters<typeof env.client>[0] = {}) => env.client({ timeout: 600_000, ...options, http: { timeout: false, ...options.http } });

/** Yields to real I/O (never moving the fake clock) until `promise` settles or `realMs` of real time pass. */
async function settlesWithinRealTime(promise: Promise<unknown>, realMs = 5_000): Promise<boolean> {
  let done = false;
  promise.then(
    () => void (done = true),
    () => void (done = true),
  );
  const deadline = performance.now() + realMs;
  while (!done && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

/** Awaits a promise that needs no fake time (only the server's real I/O); fails instead of hanging. */
async function soon<T>(promise: Promise<T>): Promise<T> {
  expect(await settlesWithinRealTime(promise)).toBe(true);
  return promise;
}

const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then((v) => v, (e: unknown) => e);

/** Every place an error or event could carry a value. */
const dump = (value: unknown): string => {
  const e = value as { message?: string; stack?: string; cause?: unknown };
  return [String(value), e?.message, e?.stack, JSON.stringify(value), String(e?.cause)].join('\n');
};

function expectNoToken(values: unknown[], tokens: string[]) {
  const text = values.map(dump).join('\n');
  for (const token of tokens) expect(text).not.toContain(token);
}

describe('slow refresh endpoint', () => {
  it('caller timeout shorter than the refresh (visibly expired token): caller gets TimeoutError, the refresh lands, nothing resent', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false, timeout: 30_000, http: { timeout: 2_000, retry: 0 } });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const tap = tapRefresh(server);
    server.inject('refresh', { type: 'delay', ms: 5_000 });
    const [first, second] = await until(Promise.all([caught(auth.http.get('api/me')), caught(auth.http.post('api/echo', { json: { n: 1 } }))]));
    expect(isTimeoutError(first)).toBe(true);
    expect(isTimeoutError(second)).toBe(true);
    await until(new Promise<void>((resolve) => auth.on('session:refresh', () => resolve())));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(tap.sent).toHaveLength(1);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0 });
    expect(log.of('session:refresh')).toHaveLength(1);
    // The timed-out POST never reached the server.
    expect(server.counters.requestsPerBody['{"n":1}'] ?? 0).toBe(0);
  });
});

describe('refresh slower than the client timeout (30 s)', () => {
  it('strict: the original and exactly one retry with the same token; the session ends once with a typed error', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const auth = client({ autoRefresh: false, timeout: 30_000 });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const tap = tapRefresh(server);
    server.inject('refresh', { type: 'delay', ms: 35_000 });
    await until(caught(auth.refresh()));
    await until(caught(auth.http.get('api/me').json()), 60_000);
    jump(61_000);
    const later = await until(caught(auth.http.get('api/me').json()));
    // Either it is still usable or it ended with a typed error; never a raw failure.
    if (auth.session.status === 'unauthenticated') expect(isSessionEndedError(later)).toBe(true);
    expect(tap.sent.slice(0, 2)).toEqual([tap.sent[0], tap.sent[0]]);
    expect(new Set(tap.sent).size).toBe(tap.sent.length - 1); // only one repeat ever
    expect(log.of('session:end').length).toBeLessThanOrEqual(1);
  });

  it('leeway: a refresh that times out and is retried while the server still works on the original recovers', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: leeway(30) });
    const auth = client({ autoRefresh: false, timeout: 30_000 });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    server.inject('refresh', { type: 'delay', ms: 35_000 });
    const refreshed = auth.refresh().catch((e: unknown) => e);
    // One coarse step, as a scenario driver would: the retry and the late original overlap on the server.
    await vi.advanceTimersByTimeAsync(40_000);
    await until(refreshed);
    await until(flush(20));
    jump(61_000);
    await expect(until(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.reuseDetections).toBe(0);
    expect(log.of('session:end')).toEqual([]);
  });

  it('reference server, leeway: the immediate parent presented twice at once gets one rotation, no reuse detection', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: leeway(30) });
    const { refreshToken } = await server.issueTokens('ada');
    const send = () =>
      fetch(`${server.origin}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [pa, pb] = (await Promise.all([a.json(), b.json()])) as Array<{ refreshToken: string }>;
    expect(pa?.refreshToken).toBe(pb?.refreshToken);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.keys('ada').filter((k) => k.revokedAt !== null)).toHaveLength(0);
  });
});

describe('lost responses (rotate-then-drop)', () => {
  it.each([
    ['strict', 'strict' as const],
    ['leeway', leeway(30)],
  ])('%s with 100 requests waiting: one refresh token, sent twice at most, every request settles alike', async (name, rotation) => {
    const server = env.server({ accessTokenTtl: 60, rotation });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const tap = tapRefresh(server);
    server.inject('refresh', { type: 'rotate-then-drop' });
    const results = await until(Promise.all(Array.from({ length: 100 }, (_, i) => caught(auth.http.post('api/echo', { json: { i } }).json()))));
    expect(tap.sent).toHaveLength(2);
    expect(tap.sent[1]).toBe(tap.sent[0]);
    if (name === 'strict') {
      expect(new Set(results).size).toBe(1);
      expect(isSessionEndedError(results[0])).toBe(true);
      expect(log.of('session:end')).toHaveLength(1);
      expect(Object.keys(server.counters.requestsPerBody)).toHaveLength(0);
    } else {
      expect(results.map((r) => (r as { i: number }).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      // Each body reached the server exactly once.
      expect(Object.values(server.counters.requestsPerBody).every((n) => n === 1)).toBe(true);
      expect(log.of('session:end')).toEqual([]);
      expect(server.counters.reuseDetections).toBe(0);
    }
    expectNoToken([...results, ...log.events.map((e) => e.payload)], tap.issued);
  });

  it('strict, proactive timer: the timer-driven refresh loses its answer; the session ends once, waiting requests get the same typed error', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const auth = client();
    await signIn(auth);
    const log = record(auth);
    const tap = tapRefresh(server);
    server.inject('refresh', { type: 'rotate-then-drop' });
    const ended = new Promise<void>((resolve) => auth.on('session:end', () => resolve()));
    await vi.advanceTimersByTimeAsync(30_000);
    const waiting = Array.from({ length: 20 }, () => caught(auth.http.get('api/me').json()));
    const results = await until(Promise.all(waiting));
    await until(ended);
    expect(tap.sent).toHaveLength(2);
    expect(log.of('session:end')).toHaveLength(1);
    expect(auth.session.status).toBe('unauthenticated');
    // Requests either still used the valid token or got a typed SessionEndedError.
    for (const r of results) expect((r as { username?: string }).username === 'ada' || isSessionEndedError(r)).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(tap.sent).toHaveLength(2);
  });

  it('leeway: manual refresh() racing a 401 from a server-expired token: one refresh (plus one retry), the request replayed once', async () => {
    const server = env.server({ accessTokenTtl: 3600, rotation: leeway(30) });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    const tap = tapRefresh(server);
    server.expireAccessTokens();
    server.inject('refresh', { type: 'rotate-then-drop' });
    const [snapshot, me] = await until(Promise.all([auth.refresh(), auth.http.post('api/echo', { json: { once: true } }).json()]));
    expect(snapshot.status).toBe('authenticated');
    expect(me).toEqual({ once: true });
    expect(tap.sent).toHaveLength(2);
    expect(tap.sent[1]).toBe(tap.sent[0]);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.requestsPerBody['{"once":true}']).toBeLessThanOrEqual(2);
  });
});

describe('5xx / 429 storms', () => {
  it('waiting requests get the same RefreshError at once, events count attempts, backoff never below 250 ms, recovery after healing', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const lifecycle = manualLifecycle();
    const auth = client({ lifecycle, backoff: { base: 1, max: 2 } });
    await signIn(auth);
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 503, headers: { 'retry-after': '0' } }, 6);
    jump(61_000); // visibly expired: every request needs the refresh
    const first = await until(Promise.all(Array.from({ length: 30 }, () => caught(auth.http.get('api/me')))));
    expect(new Set(first).size).toBe(1);
    expect(isRefreshError(first[0])).toBe(true);
    // During the backoff a request fails at once with the typed error; it never hangs.
    const during = caught(auth.http.get('api/me'));
    expect(await settlesWithoutTime(during)).toBe(true);
    expect(isRefreshError(await during)).toBe(true);
    for (let i = 0; i < 60; i++) {
      await vi.advanceTimersByTimeAsync(100);
      await flush(3);
    }
    const failed = log.of('session:refresh-failed');
    expect(failed.length).toBe(6);
    failed.forEach((f, i) => expect(f).toMatchObject({ retryable: true, attempt: i + 1, status: 503 }));
    const at = log.events.filter((e) => e.type === 'session:refresh-failed');
    expect(at).toHaveLength(6);
    for (const f of failed) expect(f.nextAttemptAt).toBeDefined();
    // Healed: the next planned attempt succeeds.
    await until(new Promise<void>((resolve) => (auth.session.generation > 1 ? resolve() : auth.on('session:refresh', () => resolve()))));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(7);
    expect(log.of('session:end')).toEqual([]);
  });

  it('backoff is never 0 ms even with Retry-After: 0 and a tiny base', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false, backoff: { base: 1, max: 1 }, random: () => 0 });
    await signIn(auth);
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 429, headers: { 'retry-after': '0' } });
    const now = Date.now();
    await until(caught(auth.refresh()));
    const [failed] = log.of('session:refresh-failed');
    expect((failed?.nextAttemptAt ?? 0) - now).toBeGreaterThanOrEqual(250);
  });

  it('429 with an HTTP-date Retry-After is honoured against the server Date', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const retryAt = new Date(Date.now() + 120_000).toUTCString();
    server.inject('refresh', { type: 'status', status: 429, headers: { 'retry-after': retryAt } });
    const error = await until(caught(auth.http.get('api/me')));
    expect(isRefreshError(error)).toBe(true);
    const [failed] = log.of('session:refresh-failed');
    const wait = (failed?.nextAttemptAt ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(115_000);
    expect(wait).toBeLessThanOrEqual(121_000);
    // Nothing is sent before the planned attempt.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(isRefreshError(await caught(auth.http.get('api/me')))).toBe(true);
    expect(server.counters.refreshCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(61_000);
    await expect(until(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('a huge Retry-After is clamped to a day (a timer never overflows); coming back online does not cut it short', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const lifecycle = manualLifecycle();
    const auth = client({ lifecycle });
    await signIn(auth);
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 503, headers: { 'retry-after': '99999999999' } });
    await until(new Promise<void>((resolve) => auth.on('session:refresh-failed', () => resolve())));
    const [failed] = log.of('session:refresh-failed');
    const wait = (failed?.nextAttemptAt ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(86_400_000);
    // No spin: an hour later, still a single attempt.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.counters.refreshCalls).toBe(1);
    lifecycle.emit('offline');
    lifecycle.emit('online');
    await flush();
    // The server said when: no path sends a refresh before it, not even a reconnect.
    expect(server.counters.refreshCalls).toBe(1);
    const refreshed = new Promise<void>((resolve) => auth.on('session:refresh', () => resolve()));
    await vi.advanceTimersByTimeAsync(wait - 3_600_000 + 1000);
    await until(refreshed);
    expect(server.counters.refreshCalls).toBe(2);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });

  it('visible during a backoff waits out the backoff; offline pauses; online retries once', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const lifecycle = manualLifecycle();
    const auth = client({ lifecycle });
    await signIn(auth);
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 503, headers: { 'retry-after': '600' } }, 3);
    await until(new Promise<void>((resolve) => auth.on('session:refresh-failed', () => resolve())));
    lifecycle.emit('hidden');
    lifecycle.emit('visible');
    await flush();
    expect(server.counters.refreshCalls).toBe(1);
    lifecycle.emit('offline');
    await vi.advanceTimersByTimeAsync(900_000);
    expect(server.counters.refreshCalls).toBe(1); // paused while offline
    lifecycle.emit('online');
    await until(new Promise<void>((resolve) => auth.on('session:refresh-failed', () => resolve())));
    await flush();
    expect(server.counters.refreshCalls).toBe(2);
    expect(log.of('session:refresh-failed').map((f) => f.attempt)).toEqual([1, 2]);
    expect(log.of('session:end')).toEqual([]);
  });
});

describe('server-side expiry and a server that keeps rejecting', () => {
  it('server expired the tokens: GET and POST with a body recover with exactly one refresh, each body sent twice at most', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const results = await until(
      Promise.all([
        auth.http.get('api/me').json(),
        auth.http.post('api/echo', { json: { a: 1 } }).json(),
        auth.http.post('api/echo', { body: new URLSearchParams({ b: '2' }) }).text(),
      ]),
    );
    expect(results[0]).toMatchObject({ username: 'ada' });
    expect(results[1]).toEqual({ a: 1 });
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.requestsPerBody['{"a":1}']).toBe(2);
    expect(server.counters.requestsPerBody['b=2']).toBe(2);
  });

  it('a server that rejects every token: no 401 loop, bounded refreshes, the caller gets the 401', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    let seen = 0;
    env.msw.use(
      http.all(`${server.origin}/api/*`, () => {
        seen++;
        return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
      }),
    );
    const results: unknown[] = [];
    for (let i = 0; i < 30; i++) results.push(await soon(caught(auth.http.post('api/echo', { json: { i } }))));
    results.push(...(await soon(Promise.all(Array.from({ length: 30 }, () => caught(auth.http.get('api/me')))))));
    expect(results.every((r) => isHTTPError(r) && r.response.status === 401)).toBe(true);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(2);
    expect(seen).toBeLessThanOrEqual(2 * results.length);
    expect(server.counters.reuseDetections).toBe(0);
    expect(auth.session.status).toBe('authenticated');
  });

  it('refresh answers 200 with an access token the API already rejects: the caller gets a 401, no refresh loop', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(
      http.post(`${server.origin}/auth/refresh`, async ({ request }) => {
        const response = await server.handle(request);
        const body = (await response.json()) as Record<string, unknown>;
        server.expireAccessTokens(); // the fresh token is dead on arrival
        return HttpResponse.json({ ...body, expiresIn: 0 });
      }),
    );
    jump(61_000);
    const results = await soon(Promise.all(Array.from({ length: 10 }, () => caught(auth.http.get('api/me')))));
    expect(results.every((r) => isHTTPError(r) && r.response.status === 401)).toBe(true);
    for (let i = 0; i < 10; i++) await soon(caught(auth.http.get('api/me')));
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(2);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('an early refresh whose answer rotated the refresh token but is otherwise unusable does not fail a request whose token is valid', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict' });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    jump(545_000); // inside the 60 s margin, 55 s before expiry
    poisonNextRefresh(server, env.msw, (body) => ({ ...body, accessToken: undefined }));
    await expect(until(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.unauthorized).toBe(0);
    expect(server.counters.reuseDetections).toBe(0);
  });
});

describe('terminal answers, hanging endpoint, dispose, logout', () => {
  it('refresh endpoint 401 with 50 requests waiting: one call, one session:end, all the same typed error, no token in it', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client();
    await signIn(auth);
    const log = record(auth);
    const tap = tapRefresh(server);
    jump(61_000);
    server.inject('refresh', { type: 'status', status: 401 });
    const results = await until(Promise.all(Array.from({ length: 50 }, () => caught(auth.http.get('api/me')))));
    expect(new Set(results).size).toBe(1);
    expect(isSessionEndedError(results[0])).toBe(true);
    expect(tap.sent).toHaveLength(1);
    expect(log.of('session:end')).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: false, attempt: 1 }]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(tap.sent).toHaveLength(1);
    expectNoToken([results[0], ...log.events.map((e) => e.payload)], tap.sent);
  });

  it('a refresh endpoint that hangs: dispose settles every waiter with DisposedError at once', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth: AuthClient = client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const waiting = [caught(auth.refresh()), caught(auth.getAccessToken()), caught(auth.http.get('api/me')), caught(auth.http.post('api/echo', { json: {} }))];
    await slow.entered;
    auth.dispose();
    const all = Promise.all(waiting);
    expect(await settlesWithoutTime(all)).toBe(true);
    for (const r of await all) expect(r).toBeInstanceOf(DisposedError);
    slow.release();
  });

  it('logout during a hanging refresh: 50 waiters settle at once, one session:end, revocation does not wait, the late answer never lands', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const waiting = Promise.all(Array.from({ length: 50 }, () => caught(auth.http.get('api/me'))));
    await slow.entered;
    const { revocation } = await auth.logout();
    expect(await settlesWithoutTime(waiting)).toBe(true);
    const results = await waiting;
    expect(results.every((r) => isSessionEndedError(r) && r.reason === 'logout')).toBe(true);
    await expect(until(revocation)).resolves.toBe(true);
    slow.release();
    await slow.done;
    await until(flush(20));
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    expect(log.of('session:refresh')).toEqual([]);
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
  });

  it('a refresh endpoint that hangs past the client timeout: the waiters get a typed RefreshError, nothing hangs', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false, timeout: 30_000 });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    let calls = 0;
    env.msw.use(http.post(`${server.origin}/auth/refresh`, () => new Promise<never>(() => void calls++))); // never answers
    const results = await until(Promise.all([caught(auth.refresh()), caught(auth.http.get('api/me'))]), 120_000);
    expect(results.every((r) => isRefreshError(r))).toBe(true);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true, attempt: 1 }]);
    expect(log.of('session:end')).toEqual([]);
    expect(calls).toBe(2); // the one retry after no response
  });
});

describe('dispose with a login in flight', () => {
  it('a login answered after dispose rejects with a LoginError saying so (reason `disposed`), not a logout that never happened', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = client({ autoRefresh: false });
    const slow = hold(server, env.msw, '/auth/login');
    const login = caught(signIn(auth));
    await slow.entered;
    auth.dispose();
    slow.release();
    const error = await until(login);
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({ reason: 'disposed' });
    await until(flush(20));
  });
});
