import { describe, expect, it, vi } from 'vitest';
import { systemClock, type Clock } from '../../src';
import { flush, hold, setup, signIn } from './support';

const env = setup();

describe('proactive refresh', () => {
  it('steady state: the background timer refreshes ahead, the server serves zero 401s', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client();
    await signIn(auth);
    server.resetCounters();
    for (let second = 1; second <= 600; second++) {
      await vi.advanceTimersByTimeAsync(1000);
      await flush(2);
      if (second % 5 === 0) await auth.http.get('api/me').json();
    }
    expect(server.counters.unauthorized).toBe(0);
    // 60 s tokens refreshed 30 s before expiry: one refresh per 30 s, never more.
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(19);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(21);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('without the timer, a request refreshes first when the token is within the margin', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    vi.setSystemTime(Date.now() + 545_000); // 55 s before expiry, inside the 60 s margin
    await auth.http.get('api/me').json();
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(0);
  });
});

describe('short-lived tokens', () => {
  it('a 2 s token the client can see has expired is refreshed before the request: no 401', async () => {
    const server = env.server({ accessTokenTtl: 2 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    vi.setSystemTime(Date.now() + 2100);
    server.resetCounters();
    await auth.http.get('api/me').json();
    expect(server.counters.unauthorized).toBe(0);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a 1 s token is not sent in its last moments (2 %, at least 20 ms): the request refreshes first', async () => {
    const server = env.server({ accessTokenTtl: 1 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const first = auth.session.expiresAt ?? 0;
    server.resetCounters();
    vi.setSystemTime(first - 500);
    await auth.http.get('api/me').json();
    expect(server.counters.refreshCalls).toBe(0);
    vi.setSystemTime(first - 15);
    await auth.http.get('api/me').json();
    expect(server.counters.refreshCalls).toBe(1);
    expect(auth.session.expiresAt).toBeGreaterThan(first);
  });

  it('1 s tokens under steady traffic: about one refresh per second, never a 401', async () => {
    const server = env.server({ accessTokenTtl: 1 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.resetCounters();
    for (let step = 0; step < 150; step++) {
      vi.setSystemTime(Date.now() + 100);
      await auth.http.get('api/me').json();
    }
    expect(server.counters.unauthorized).toBe(0);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(7);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(16);
  });
});

describe('the background timer while its refresh is in flight', () => {
  /** The system clock, counting the timers the client sets. */
  const countingClock = () => {
    const clock: Clock & { sets: number } = {
      sets: 0,
      now: () => systemClock.now(),
      setTimeout(fn, ms) {
        clock.sets++;
        return systemClock.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => systemClock.clearTimeout(handle),
    };
    return clock;
  };

  it('sleeps until the refresh settles (no re-arm every millisecond), then re-arms for the next one', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const clock = countingClock();
    const auth = env.client({ clock });
    await signIn(auth);
    const slow = hold(server, env.msw, '/auth/refresh');
    // The timer fires 30 s before expiry; the refresh call then hangs for 5 s of fake time.
    await vi.advanceTimersByTimeAsync(30_000);
    await slow.entered;
    const before = clock.sets;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(clock.sets - before).toBeLessThanOrEqual(2);
    slow.release();
    await slow.done;
    await flush();
    expect(auth.session.generation).toBe(2);
    // Re-armed for the new token: the next refresh happens on time, by the timer alone.
    await vi.advanceTimersByTimeAsync(31_000);
    await flush();
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(server.counters.refreshCalls).toBe(2);
  });
});
