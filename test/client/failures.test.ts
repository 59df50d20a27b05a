import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, isSessionEndedError } from '../../src';
import { flush, jump, record, setup, signIn } from './support';

const env = setup();

describe('refresh failures', () => {
  it('invalid_grant while 100 requests wait: all get the same typed error, exactly one session:end', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    const errors = await Promise.all(Array.from({ length: 100 }, () => auth.http.get('api/me').catch((e: unknown) => e)));
    expect(new Set(errors).size).toBe(1);
    expect(isSessionEndedError(errors[0])).toBe(true);
    expect((errors[0] as { reason: string }).reason).toBe('invalid_grant');
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a 401 from the token endpoint ends the session', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.inject('refresh', { type: 'status', status: 401, body: 'nope' });
    await expect(auth.http.get('api/me')).rejects.toSatisfy(isSessionEndedError);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it.each([
    ['503', { type: 'status', status: 503 }],
    ['500', { type: 'status', status: 500 }],
    ['408', { type: 'status', status: 408 }],
    ['429', { type: 'status', status: 429, headers: { 'retry-after': '5' } }],
    ['HTML body', { type: 'malformed', kind: 'html' }],
    ['garbled JSON', { type: 'malformed', kind: 'garbled-json' }],
    ['missing fields', { type: 'malformed', kind: 'missing-fields' }],
  ] as const)('transient %s: tokens kept, retryable error, no session:end, then success', async (_name, fault) => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    server.inject('refresh', fault);
    const errors = await Promise.all(Array.from({ length: 20 }, () => auth.http.get('api/me').catch((e: unknown) => e)));
    expect(errors.every((e) => isRefreshError(e) && e.retryable)).toBe(true);
    expect(log.of('session:refresh-failed')).toHaveLength(1);
    expect(log.of('session:end')).toHaveLength(0);
    expect(auth.session.status).toBe('authenticated');
    const failed = log.of('session:refresh-failed')[0];
    expect(failed?.retryable).toBe(true);
    expect((failed?.nextAttemptAt ?? 0) - Date.now()).toBeGreaterThanOrEqual(_name === '429' ? 5000 : 250);
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('network error with no response: retried once with the same token, then backs off', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.inject('refresh', { type: 'network-error' }, 2);
    server.resetCounters();
    const pending = auth.http.get('api/me').catch((e: unknown) => e);
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(isRefreshError(await pending)).toBe(true);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('backoff grows with attempts and never spins at 0 ms', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: true });
    await signIn(auth);
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 503 }, 1000);
    server.resetCounters();
    for (let s = 0; s < 600; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      await flush(2);
    }
    const attempts = log.of('session:refresh-failed');
    // 30 s margin then 1 s, 2 s, 4 s ... capped at 60 s: about 14 attempts in ten minutes, not thousands.
    expect(server.counters.refreshCalls).toBeLessThan(20);
    expect(attempts.length).toBe(server.counters.refreshCalls);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]?.attempt).toBe(i + 1);
    expect(auth.session.status).toBe('authenticated');
  });

  it('a failed early refresh does not fail a request whose token is still valid', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(590_000); // inside the refresh margin, not expired
    server.inject('refresh', { type: 'status', status: 503 });
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });
});
