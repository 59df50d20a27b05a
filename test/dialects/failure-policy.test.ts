import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, isSessionEndedError, memoryStorage } from '../../src';
import type { Fault } from '../../src/testing';
import { caught, jump, record, setupDialects, signIn, until } from './support';

const env = setupDialects();
const KEY = 'tokenflight.session';

/** A signed-in client whose token is visibly expired, with a memory store to watch. */
async function expiredSession(protocol: 'json' | 'oauth', random = () => 0.5) {
  const server = env.server({ accessTokenTtl: 60 });
  const storage = memoryStorage();
  const auth = env.client({ protocol, clientId: 'tokenflight', storage, lock: false, channel: false, autoRefresh: false, random });
  await signIn(auth);
  const log = record(auth);
  const before = await storage.getItem(KEY);
  jump(61_000);
  server.resetCounters();
  return { server, auth, log, storage, before, endpoint: protocol === 'json' ? ('refresh' as const) : ('token' as const) };
}

const CODES = ['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_request'];

describe('failure policy: terminal', () => {
  it.each(CODES.flatMap((code) => [['json', code] as const, ['oauth', code] as const]))(
    '%s endpoint answering %s: the code is the session:end reason; storage cleared; every waiter gets the same error',
    async (protocol, code) => {
      const { server, auth, log, storage, endpoint } = await expiredSession(protocol);
      server.inject(endpoint, { type: 'oauth-error', error: code });
      const errors = await Promise.all(Array.from({ length: 20 }, () => caught(auth.http.get('api/me'))));
      expect(new Set(errors).size).toBe(1);
      expect(isSessionEndedError(errors[0]) && errors[0].reason).toBe(code);
      expect(log.of('session:refresh-failed')).toEqual([{ retryable: false, attempt: 1, code: 'TF_SESSION_ENDED', status: code === 'invalid_client' ? 401 : 400 }]);
      expect(log.of('session:end')).toEqual([{ reason: code, origin: 'local' }]);
      expect(await storage.getItem(KEY)).toBeNull();
      expect(server.counters.refreshCalls).toBe(1);
    },
  );

  it.each([
    ['401 without a body', 'unauthorized', { type: 'status', status: 401 }],
    ['401 with an HTML body', 'unauthorized', { type: 'status', status: 401, body: '<html>Unauthorized</html>' }],
    ['401 with an OAuth body', 'invalid_token', { type: 'status', status: 401, body: '{"error":"invalid_token"}' }],
    ['200 carrying an OAuth error body', 'invalid_grant', { type: 'status', status: 200, body: '{"error":"invalid_grant"}' }],
  ] as const)('%s ends the session (reason %s)', async (_name, reason, fault) => {
    const { server, auth, log, storage } = await expiredSession('json');
    server.inject('refresh', fault);
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error.reason).toBe(reason);
    expect(log.of('session:end')).toEqual([{ reason, origin: 'local' }]);
    expect(await storage.getItem(KEY)).toBeNull();
  });
});

const TRANSIENT: ReadonlyArray<{ name: string; fault: Fault; floor?: number }> = [
  { name: '500', fault: { type: 'status', status: 500 } },
  { name: '502', fault: { type: 'status', status: 502 } },
  { name: '503', fault: { type: 'status', status: 503 } },
  { name: '504', fault: { type: 'status', status: 504 } },
  { name: '404 (even with an OAuth body)', fault: { type: 'status', status: 404, body: '{"error":"invalid_grant"}' } },
  { name: '408', fault: { type: 'status', status: 408 } },
  { name: '429 + Retry-After: 7', fault: { type: 'status', status: 429, headers: { 'retry-after': '7' } }, floor: 7_000 },
  { name: '400 without an OAuth body', fault: { type: 'status', status: 400, body: 'Bad Request' } },
  { name: '403 with a free-text error', fault: { type: 'status', status: 403, body: '{"error":"Forbidden by WAF"}' } },
  { name: 'temporarily_unavailable', fault: { type: 'oauth-error', error: 'temporarily_unavailable', status: 400 } },
  { name: 'HTML 200', fault: { type: 'malformed', kind: 'html' } },
  { name: 'garbled JSON', fault: { type: 'malformed', kind: 'garbled-json' } },
  { name: 'empty body', fault: { type: 'malformed', kind: 'empty' } },
  { name: 'missing fields', fault: { type: 'malformed', kind: 'missing-fields' } },
];

describe('failure policy: transient', () => {
  it.each(TRANSIENT)('$name: tokens and storage kept, one refresh-failed for 20 waiters, a real wait, then recovery', async ({ fault, floor = 250 }) => {
    const { server, auth, log, storage, before } = await expiredSession('json');
    server.inject('refresh', fault);
    const errors = await Promise.all(Array.from({ length: 20 }, () => caught(auth.http.get('api/me'))));
    expect(errors.every((e) => isRefreshError(e) && e.retryable)).toBe(true);
    expect(server.counters.refreshCalls).toBe(1);
    const failed = log.of('session:refresh-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ retryable: true, attempt: 1, code: 'TF_REFRESH_FAILED' });
    expect((failed[0]?.nextAttemptAt ?? 0) - Date.now()).toBeGreaterThanOrEqual(floor);
    expect(log.of('session:end')).toEqual([]);
    expect(await storage.getItem(KEY)).toBe(before);
    // Until the planned attempt, callers get the same answer without a new request.
    await caught(auth.http.get('api/me'));
    expect(server.counters.refreshCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(Math.max(floor, 1_000));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
  });

  it('Retry-After as an HTTP-date is measured against the response Date header, not the device clock', async () => {
    const { server, auth, log } = await expiredSession('json');
    server.setClockOffset(-3_600_000); // the server is an hour behind the device
    const retryAt = new Date(Date.now() - 3_600_000 + 90_000).toUTCString();
    server.inject('refresh', { type: 'status', status: 503, headers: { 'retry-after': retryAt } });
    await caught(auth.refresh());
    const wait = (log.of('session:refresh-failed')[0]?.nextAttemptAt ?? 0) - Date.now();
    expect(wait).toBeGreaterThanOrEqual(89_000);
    expect(wait).toBeLessThanOrEqual(91_000);
  });

  it('an absurd Retry-After is clamped to a day, never overflowing a timer', async () => {
    const { server, auth, log } = await expiredSession('json');
    server.inject('refresh', { type: 'status', status: 503, headers: { 'retry-after': '99999999999' } });
    await caught(auth.refresh());
    expect((log.of('session:refresh-failed')[0]?.nextAttemptAt ?? 0) - Date.now()).toBe(86_400_000);
  });

  it('no response at all: one retry with the same token, then backoff; a timeout counts the same', async () => {
    const { server, auth, log } = await expiredSession('oauth');
    server.inject('token', { type: 'network-error' }, 2);
    expect(isRefreshError(await until(caught(auth.refresh())))).toBe(true);
    const bodies = env.wire.filter((e) => e.path === '/oauth/token').slice(-2).map((e) => new URLSearchParams(e.body).get('refresh_token'));
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toBe(bodies[1]);
    expect(log.of('session:refresh-failed')).toHaveLength(1);
    jump(1_000); // past the backoff: within it an explicit refresh sends nothing
    server.inject('token', { type: 'delay', ms: 120_000 }, 2);
    const started = Date.now();
    expect(isRefreshError(await until(caught(auth.refresh())))).toBe(true);
    // two 30 s timeouts (the default) and the short pause between them
    expect(Date.now() - started).toBeGreaterThanOrEqual(60_100);
    expect(log.of('session:refresh-failed').map((e) => e.attempt)).toEqual([1, 2]);
    expect(auth.session.status).toBe('authenticated');
  });
});

describe('failure policy: backoff', () => {
  const JITTER: ReadonlyArray<readonly [string, () => number, readonly number[]]> = [
    ['lowest jitter', () => 0, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]],
    ['highest jitter', () => 0.999_999_9, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]],
  ];
  it.each(JITTER)('exponential with jitter and a cap (%s)', async (_name, random, expected) => {
    const { server, auth, log } = await expiredSession('json', random);
    server.inject('refresh', { type: 'status', status: 503 }, 100);
    for (let i = 0; i < expected.length; i++) {
      await caught(auth.refresh());
      await vi.advanceTimersByTimeAsync(60_001);
    }
    const waits = log.of('session:refresh-failed').map((e) => e.nextAttemptAt ?? 0);
    const at = env.wire.filter((e) => e.path === '/auth/refresh').map((e) => e.at).slice(-expected.length);
    expect(waits.map((w, i) => Math.round(w - (at[i] ?? 0)))).toEqual(expected);
  });

  it.each([Number.NaN, -5, 7, Number.POSITIVE_INFINITY])('a broken random source (%s) still gives a finite wait within the step', async (value) => {
    const { server, auth, log } = await expiredSession('json', () => value);
    server.inject('refresh', { type: 'status', status: 503 });
    await caught(auth.refresh());
    const wait = (log.of('session:refresh-failed')[0]?.nextAttemptAt ?? Number.NaN) - Date.now();
    expect(wait).toBeGreaterThanOrEqual(500);
    expect(wait).toBeLessThanOrEqual(1_000);
  });

  it('never a 0 ms spin: a 1 ms backoff configuration still waits 250 ms; the timer makes ~1 attempt per 250 ms at most', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ backoff: { base: 1, max: 1 }, random: () => 0 });
    await signIn(auth);
    server.inject('refresh', { type: 'status', status: 503 }, 10_000);
    server.resetCounters();
    await vi.advanceTimersByTimeAsync(30_000 + 10_000);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(35);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(41);
    const at = env.wire.filter((e) => e.path === '/auth/refresh').map((e) => e.at);
    expect(at.slice(1).every((t, i) => t - (at[i] ?? 0) >= 250)).toBe(true);
  });
});
