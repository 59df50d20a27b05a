import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, manualLifecycle, type AuthClient } from '../../src';
import { tabs } from '../tabs/support';
import { advance, flush, jump, record, setup, signIn } from './support';

const env = setup();
const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const SLOW_DOWN = { type: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '30', 'content-type': 'application/json' } } as const;

describe('no path sends a refresh before the server\'s Retry-After', () => {
  it('a tight refresh() loop for 1 s against a 429 Retry-After: 30 sends one POST; each error names the retry time', async () => {
    const server = env.server({ accessTokenTtl: 20 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false, lifecycle });
    await signIn(auth);
    server.resetCounters();
    server.inject('token', SLOW_DOWN, 1000);
    const start = Date.now();
    const errors: unknown[] = [];
    while (Date.now() - start < 1_000) {
      errors.push(await caught(auth.refresh()));
      await vi.advanceTimersByTimeAsync(2);
    }
    expect(errors.length).toBeGreaterThan(100);
    expect(server.counters.refreshCalls).toBe(1);
    for (const error of errors) {
      expect(isRefreshError(error)).toBe(true);
      expect((error as { retryAt: number }).retryAt).toBeGreaterThanOrEqual(start + 30_000);
    }
    // Requests whose token expired, the token getter, a resume and a reconnect all wait too.
    jump(24_000); // the access token has expired; the server's 30 s have not passed
    expect(isRefreshError(await caught(auth.http.get('api/me')))).toBe(true);
    expect(isRefreshError(await caught(auth.getAccessToken()))).toBe(true);
    lifecycle.emit('online');
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('the Retry-After one tab got holds the other tabs too: their timers, requests and refresh() send nothing before it', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { clients } = tabs(env, 2);
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await flush(20);
    expect(b.session.status).toBe('authenticated');
    server.inject('refresh', SLOW_DOWN, 1000);
    server.resetCounters();
    jump(61_000);
    expect(isRefreshError(await caught(a.refresh()))).toBe(true);
    await flush(10);
    expect(isRefreshError(await caught(b.refresh()))).toBe(true);
    expect(isRefreshError(await caught(b.http.get('api/me')))).toBe(true);
    await advance(25_000);
    expect(server.counters.refreshCalls).toBe(1);
    server.clearFaults();
    await advance(10_000);
    expect(server.counters.refreshCalls).toBe(2);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('without Retry-After, a tight refresh() loop makes at most one POST per backoff step', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.resetCounters();
    server.inject('refresh', { type: 'status', status: 503 }, 1000);
    const start = Date.now();
    while (Date.now() - start < 10_000) {
      await caught(auth.refresh());
      await vi.advanceTimersByTimeAsync(10);
    }
    // Steps of 0.75, 1.5, 3 and 6 s (random 0.5): four or five attempts in 10 s, not a thousand.
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(5);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(3);
  });
});

describe('an outage of the token endpoint', () => {
  it.each([10_000, 30_000])('%i ms down while requests keep coming: about one attempt per second, and the first request after recovery succeeds within a second', async (outage) => {
    const server = env.server({ accessTokenTtl: 3 });
    const auth = env.client();
    await signIn(auth);
    await advance(3_500, () => auth.session.refreshing, 100);
    server.inject('refresh', { type: 'status', status: 503 }, 1_000_000);
    server.resetCounters();
    const startDown = Date.now();
    let failures = 0;
    const tick = async () => {
      const outcome = await caught(auth.http.get('api/me').json());
      if (outcome !== undefined) failures++;
    };
    // 50 requests per second; tokens run out a few seconds into the outage.
    while (Date.now() - startDown < outage) {
      void tick();
      await advance(20, () => auth.session.refreshing, 20);
    }
    const callsWhileDown = server.counters.refreshCalls;
    expect(callsWhileDown).toBeLessThanOrEqual(Math.ceil(outage / 1000) + 1);
    expect(failures).toBeGreaterThan(0);
    server.clearFaults();
    const recovered = Date.now();
    let firstSuccess: number | null = null;
    while (firstSuccess === null && Date.now() - recovered < 5_000) {
      const at = Date.now();
      void caught(auth.http.get('api/me').json()).then((outcome) => {
        if (outcome === undefined && firstSuccess === null) firstSuccess = at;
      });
      await advance(20, () => auth.session.refreshing, 20);
    }
    expect(firstSuccess).not.toBeNull();
    expect((firstSuccess ?? Infinity) - recovered).toBeLessThanOrEqual(1_100);
  });
});

describe('online and resume after a failed refresh', () => {
  it('a 401-triggered refresh failed: after a resume the rejected token is never sent again before a refresh', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    server.expireAccessTokens();
    server.inject('refresh', { type: 'status', status: 503 }, 2);
    server.resetCounters();
    await caught(auth.http.get('api/me'));
    expect(server.counters.unauthorized).toBe(1);
    lifecycle.emit('hidden');
    lifecycle.emit('visible');
    await flush(20);
    // The resume retried at once (and failed again); no request went out with the refused token meanwhile.
    expect(server.counters.refreshCalls).toBe(2);
    expect(isRefreshError(await caught(auth.http.get('api/me')))).toBe(true);
    expect(server.counters.unauthorized).toBe(1);
    await advance(5_000, () => auth.session.refreshing, 100);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.unauthorized).toBe(1);
  });

  it.each([
    ['a 503', { type: 'status', status: 503 }, 1],
    ['a network error (sent twice: the one resend after no response)', { type: 'network-error' }, 2],
  ] as const)('the refresh got %s while going offline: coming back online refreshes at once', async (_name, fault, times) => {
    const server = env.server({ accessTokenTtl: 5 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    server.expireAccessTokens();
    server.inject('refresh', fault, times);
    server.resetCounters();
    const log = record(auth);
    // (No ky retry: a retried request would probe the endpoint on its own while "offline".)
    let failed = false;
    void caught(auth.http.get('api/me', { retry: 0 })).then(() => (failed = true));
    while (!failed) await advance(10);
    lifecycle.emit('offline');
    // Back within a second: the token is not due by the clock, only known to be refused.
    await vi.advanceTimersByTimeAsync(300);
    expect(log.of('session:refresh')).toHaveLength(0);
    const before = server.counters.refreshCalls;
    lifecycle.emit('online');
    await advance(100, () => auth.session.refreshing, 10);
    expect(server.counters.refreshCalls).toBeGreaterThan(before);
    await advance(500, () => auth.session.refreshing, 100);
    expect(log.of('session:refresh').length).toBeGreaterThanOrEqual(1);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });

  it('an online signal while already online never cancels the retry that is due', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    server.expireAccessTokens();
    server.inject('refresh', { type: 'status', status: 503 }, 2);
    const log = record(auth);
    await caught(auth.http.get('api/me'));
    lifecycle.emit('online');
    lifecycle.emit('online');
    lifecycle.emit('online');
    await advance(30_000, () => auth.session.refreshing, 250);
    expect(log.of('session:refresh')).toHaveLength(1);
  });
});
