import { afterEach, describe, expect, it, vi } from 'vitest';
import { localChannelHub, webStorage, type AuthClient, type AuthClientOptions } from '../../src';
import type { AuthServer } from '../../src/testing';
import { jump, record, setup, signIn } from '../client/support';
import { fakeOrigin } from './fake-window';
import { trackedFetch } from './support';

const env = setup();
afterEach(() => {
  vi.unstubAllGlobals();
});

/** The requests of a test on the (mocked) network: fake time waits for them. */
const network = { current: trackedFetch() };

/** mulberry32: a small seeded generator, one per tab, so every run of a seed is the same interleaving. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * Runs the fake clock in steps until `done()`; fails instead of hanging. By default fake time waits
 * while a request is on the mocked network (which answers in real time); with a server that takes
 * fake time to answer (an injected delay), `waitForNetwork: false` lets it pass.
 */
async function until(done: () => boolean, maxMs = 60_000, stepMs = 10, waitForNetwork = true): Promise<void> {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    if (waitForNetwork) await network.current.idle();
    if (done()) return;
    await vi.advanceTimersByTimeAsync(stepMs);
    for (let j = 0; j < 3; j++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`not done within ${maxMs} ms of fake time`);
}

/**
 * A browser without Web Locks (older Safari, some WebViews): `navigator` has no `locks`, every tab
 * has its own `localStorage` object and `storage` events over one origin's data. Returns that
 * origin with a session stored by a tab that signed in and closed, its access token expired since.
 */
async function expiredStoredSession(server: AuthServer) {
  vi.stubGlobal('navigator', { userAgent: 'test', onLine: true });
  const origin = fakeOrigin();
  const w = origin.window();
  const first = env.client({ storage: webStorage(w.storage, { target: w.target }), lock: false, channel: false, autoRefresh: false });
  await signIn(first);
  first.dispose();
  jump(61_000);
  server.resetCounters();
  return origin;
}

type Channel = 'none' | 'broadcast';

/** Opens `n` tabs on the origin, tab i after `delays[i]` ms, each with its own seeded random source; defaults otherwise. */
function openTabs(origin: ReturnType<typeof fakeOrigin>, n: number, channel: Channel, seed: number, delays: readonly number[] = []) {
  const hub = localChannelHub();
  network.current = trackedFetch();
  const clients: AuthClient[] = [];
  const open = (i: number) => {
    const w = origin.window();
    const options: Partial<AuthClientOptions> = {
      storage: webStorage(w.storage, { target: w.target }),
      random: seeded(seed * 100 + i),
      fetch: network.current.fetch,
      // No request timeout: fake time runs ahead of the real I/O of the mocked network.
      http: { timeout: false },
    };
    // Without BroadcastChannel (Safari before 15.4 has neither) the tabs converge through storage events.
    if (channel === 'none') options.channel = false;
    else options.channel = hub.channel();
    clients.push(env.client(options));
  };
  for (let i = 0; i < n; i++) {
    const delay = delays[i] ?? 0;
    if (delay === 0) open(i);
    else setTimeout(() => open(i), delay);
  }
  return clients;
}

const allRefreshed = (clients: AuthClient[], n: number) => () =>
  clients.length === n && clients.every((c) => c.session.status === 'authenticated' && c.session.generation === 2);

describe('tabs without Web Locks starting on an expired stored session', () => {
  it.each([
    [3, 'none'],
    [5, 'none'],
    [3, 'broadcast'],
    [5, 'broadcast'],
  ] as const)('%i tabs (channel: %s) load at once: 1 refresh call, 0 reuse detections, every tab on the new session', async (n, channel) => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const origin = await expiredStoredSession(server);
    const clients = openTabs(origin, n, channel, 1);
    const logs = clients.map(record);
    await until(allRefreshed(clients, n));
    // Let any late poster show itself.
    await until(() => false, 3_000).catch(() => undefined);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    expect(clients.map((c) => [c.session.status, c.session.generation])).toEqual(Array(n).fill(['authenticated', 2]));
    for (const log of logs) expect(log.of('session:end')).toHaveLength(0);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('5 tabs open at random moments while a slow refresh (300 ms) is on the way (seed %i): 1 refresh call, 0 reuse detections', async (seed) => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const origin = await expiredStoredSession(server);
    server.inject('refresh', { type: 'delay', ms: 300 }, 5);
    const random = seeded(seed);
    const delays = Array.from({ length: 5 }, () => Math.floor(random() * 600));
    const clients = openTabs(origin, 5, seed % 2 === 0 ? 'broadcast' : 'none', seed, delays);
    await until(allRefreshed(clients, 5), 60_000, 5, false);
    await until(() => false, 3_000, 5, false).catch(() => undefined);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    expect(clients.map((c) => c.session.generation)).toEqual([2, 2, 2, 2, 2]);
  });

  it('3 tabs, then every token expires again: each expiry is refreshed once, by one tab', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const origin = await expiredStoredSession(server);
    const clients = openTabs(origin, 3, 'none', 9);
    await until(allRefreshed(clients, 3));
    for (let generation = 3; generation <= 5; generation++) {
      await until(() => clients.every((c) => c.session.generation === generation), 120_000, 100);
      expect(server.counters).toMatchObject({ refreshCalls: generation - 1, reuseDetections: 0 });
    }
  });
});
