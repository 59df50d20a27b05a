import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { manualLifecycle } from '../../src';
import { advance, record, setup, signIn } from '../client/support';
import { countingFetch, countingStorage, deviceClock } from './support';

const env = setup();
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** Rewrites `expires_in` of every login and refresh answer (the access token itself stays valid at the server). */
function lifetime(server: ReturnType<typeof env.server>, expiresIn: unknown) {
  for (const path of ['/auth/login', '/auth/refresh']) {
    env.msw.use(
      http.post(`${server.origin}${path}`, async ({ request }) => {
        const response = await server.handle(request);
        if (!response.ok) return response;
        const body = (await response.json()) as Record<string, unknown>;
        delete body['expiresIn'];
        return HttpResponse.json({ ...body, expires_in: expiresIn });
      }),
    );
  }
}

describe('extreme lifetimes', () => {
  it('a 1-year token: one refresh near its end, timers re-armed every 2^31-1 ms at most, never overflowing', async () => {
    const server = env.server({ accessTokenTtl: 365 * 86_400, refreshKeyLifetime: 800 * 86_400 });
    const clock = deviceClock();
    const delays: number[] = [];
    const setTimeout = clock.setTimeout;
    clock.setTimeout = (fn, ms) => (delays.push(ms), setTimeout(fn, ms));
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    const log = record(auth);
    await signIn(auth);
    server.resetCounters();
    const start = Date.now();
    // Big steps, but small ones around the refresh (a fake step longer than the call's 30 s timeout would abort it).
    const due = (auth.session.expiresAt ?? 0) - 36.5 * DAY;
    await advance(due - Date.now() - MIN, () => auth.session.refreshing, DAY);
    await advance(2 * MIN, () => auth.session.refreshing, 1_000);
    await advance(start + 400 * DAY - Date.now(), () => auth.session.refreshing, DAY);
    expect(server.counters.refreshCalls).toBe(1);
    expect(log.of('session:end')).toEqual([]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(Math.min(...delays)).toBeGreaterThan(0);
    expect(clock.sets).toBeLessThanOrEqual(40);
    expect(clock.live).toBe(1);
  });

  it.each<[string, unknown, number]>([
    ['just over 2^31 ms', 2 ** 31 / 1000 + 1, 0],
    ['1e308 s (capped to a year)', 1e308, 0],
    ['"Infinity" (unknown lifetime)', 'Infinity', 0],
  ])('expires_in %s: no early refresh, no spin over 20 days', async (_name, expiresIn, refreshes) => {
    const server = env.server({ accessTokenTtl: 365 * 86_400, refreshKeyLifetime: 800 * 86_400 });
    lifetime(server, expiresIn);
    const clock = deviceClock();
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    await signIn(auth);
    server.resetCounters();
    await advance(20 * DAY, () => auth.session.refreshing, DAY);
    expect(server.counters.refreshCalls).toBe(refreshes);
    expect(clock.sets).toBeLessThanOrEqual(5);
    expect(clock.live).toBeLessThanOrEqual(1);
  });

  it('a 1 ms token: at most one proactive refresh per second, never a tight loop', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    lifetime(server, 0.001);
    const clock = deviceClock();
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    await signIn(auth);
    server.resetCounters();
    await advance(30_000, () => auth.session.refreshing, 100);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(10);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(31);
    expect(clock.sets).toBeLessThanOrEqual(3 * server.counters.refreshCalls + 3);
    expect(server.counters.reuseDetections).toBe(0);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });
});

describe('re-entrant and throwing listeners', () => {
  it('a listener that throws on every event: the background refresh goes on, one timer, events still once per transition', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const clock = deviceClock();
    const errors: unknown[] = [];
    const auth = env.client({ clock, lifecycle: manualLifecycle(), onListenerError: (e) => errors.push(e) });
    for (const type of ['session:start', 'session:refresh', 'session:change', 'session:end'] as const) {
      auth.on(type, () => {
        throw new Error(type);
      });
    }
    const log = record(auth);
    await signIn(auth);
    server.resetCounters();
    await advance(10 * MIN, () => auth.session.refreshing, 1_000);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(19);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(21);
    expect(log.of('session:refresh')).toHaveLength(server.counters.refreshCalls);
    expect(errors.length).toBeGreaterThan(0);
    expect(clock.live).toBe(1);
    await auth.logout();
    expect(log.of('session:end')).toHaveLength(1);
    expect(clock.live).toBe(0);
  });

  it('dispose() from inside session:refresh fired by the timer: no timer, no later refresh, no further events', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const clock = deviceClock();
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    await signIn(auth);
    let refreshes = 0;
    auth.on('session:refresh', () => {
      refreshes++;
      auth.dispose();
    });
    server.resetCounters();
    await advance(10 * MIN, () => auth.session.refreshing, 1_000);
    expect(refreshes).toBe(1);
    expect(server.counters.refreshCalls).toBe(1);
    expect(clock.live).toBe(0);
  });

  it('dispose() from inside the session:change that announces a refresh: its refresh token is never posted', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const clock = deviceClock();
    const net = countingFetch();
    const auth = env.client({ clock, lifecycle: manualLifecycle(), fetch: net.fetch });
    await signIn(auth);
    auth.on('session:change', ({ cause }) => {
      if (cause === 'session:refreshing') auth.dispose();
    });
    server.resetCounters();
    // (A disposed client's snapshot is frozen, `refreshing` included: wait on the network instead.)
    await advance(2 * MIN, () => false, 1_000);
    await net.idle();
    expect(server.counters.refreshCalls).toBe(0);
    expect(clock.live).toBe(0);
  });

  it('logout() from inside session:refresh-failed (terminal): exactly one session:end, storage empty, no timer', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const clock = deviceClock();
    const storage = countingStorage();
    const auth = env.client({ clock, storage, lock: false, channel: false, lifecycle: manualLifecycle() });
    const log = record(auth);
    await signIn(auth);
    auth.on('session:refresh-failed', () => void auth.logout());
    server.inject('refresh', { type: 'oauth-error', status: 400, error: 'invalid_grant' });
    await advance(2 * MIN, () => auth.session.refreshing, 1_000);
    expect(log.of('session:end')).toHaveLength(1);
    expect(auth.session.status).toBe('unauthenticated');
    expect(storage.getItem('tokenflight.session')).toBeNull();
    expect(clock.live).toBe(0);
  });
});
