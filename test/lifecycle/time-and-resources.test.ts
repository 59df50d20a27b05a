import { describe, expect, it, vi } from 'vitest';
import {
  DisposedError,
  localChannelHub,
  localLock,
  manualLifecycle,
  memoryStorage,
  type LockManager,
  type StorageAdapter,
  type SyncChannel,
} from '../../src';
import { advance, countingLifecycle, flush, jump, record, setup, signIn } from '../client/support';
import { countingFetch, countingStorage, deviceClock } from './support';

const env = setup();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;


describe('the device clock goes backwards (NTP correction)', () => {
  it('during a backoff: the retry still happens after the backoff delay, not hours later', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const clock = deviceClock();
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    const log = record(auth);
    await signIn(auth);
    server.inject('refresh', { type: 'status', status: 503 }, 1);
    server.resetCounters();
    // The timer refreshes 30 s before expiry; the server answers 503: backoff (0.75 s with random 0.5).
    await advance(270_000, () => auth.session.refreshing);
    expect(server.counters.refreshCalls).toBe(1);
    expect(log.of('session:refresh-failed')).toHaveLength(1);
    // NTP moves the device clock back one hour.
    clock.offset = -HOUR;
    await advance(10_000, () => auth.session.refreshing, 100);
    expect(server.counters.refreshCalls).toBe(2);
    expect(log.of('session:refresh')).toHaveLength(1);
    // Past the server's expiry of the first token, requests work and nothing fails fast.
    await advance(30_000, () => auth.session.refreshing);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });
});

describe('the device clock goes backwards, healthy server', () => {
  it('one 401 at most, no loop, and the timer refreshes ahead again after the correction', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const clock = deviceClock();
    const auth = env.client({ clock, lifecycle: manualLifecycle() });
    const log = record(auth);
    await signIn(auth);
    await advance(60_000);
    clock.offset = -HOUR;
    server.resetCounters();
    for (let i = 0; i < 40; i++) {
      await advance(30_000, () => auth.session.refreshing, 5_000);
      await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    }
    // 20 minutes: the 401 corrects the first token, then ~4 proactive refreshes, never a storm.
    expect(server.counters.unauthorized).toBeLessThanOrEqual(1);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(4);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(6);
    expect(log.of('session:end')).toEqual([]);
    expect(clock.live).toBe(1);
  });
});

describe('online/offline flapping', () => {
  it('1000 flaps with a healthy server and a fresh token: no refresh, one timer, one listener', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = countingLifecycle();
    const clock = deviceClock();
    const auth = env.client({ lifecycle, clock });
    await signIn(auth);
    server.resetCounters();
    for (let i = 0; i < 1000; i++) {
      lifecycle.emit('offline');
      lifecycle.emit('online');
      if (i % 100 === 0) await flush(2);
    }
    await flush();
    expect(server.counters.refreshCalls).toBe(0);
    expect(lifecycle.listeners).toBe(1);
    expect(clock.live).toBe(1);
    // The timer still fires once, on time.
    await advance(300_000, () => auth.session.refreshing, 10_000);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a flapping network while the token endpoint answers 503 does not defeat the backoff', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = countingLifecycle();
    const clock = deviceClock();
    const auth = env.client({ lifecycle, clock });
    await signIn(auth);
    server.inject('refresh', { type: 'status', status: 503 }, 100_000);
    jump(271_000);
    server.resetCounters();
    // Flaky Wi-Fi: offline/online every 100 ms for 100 s (1000 flaps).
    for (let i = 0; i < 1000; i++) {
      lifecycle.emit('offline');
      lifecycle.emit('online');
      await vi.advanceTimersByTimeAsync(100);
      await flush(3);
    }
    // With a 1 s base and a 60 s cap, 100 s of backoff allows ~8 attempts; allow generous slack.
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(20);
    expect(lifecycle.listeners).toBe(1);
    expect(clock.live).toBeLessThanOrEqual(1);
  });
});

/** A lock that counts its outstanding marks and runs. */
function countingLock(inner: LockManager = localLock()) {
  let marks = 0;
  let running = 0;
  const lock: LockManager & { readonly marks: number; readonly running: number } = {
    get marks() {
      return marks;
    },
    get running() {
      return running;
    },
    async run(name, timeoutMs, fn) {
      running++;
      try {
        return await inner.run(name, timeoutMs, fn);
      } finally {
        running--;
      }
    },
    mark(name) {
      marks++;
      const release = inner.mark!(name);
      let done = false;
      return () => {
        if (!done) marks--;
        done = true;
        release();
      };
    },
    isMarked: (name) => inner.isMarked!(name),
  };
  return lock;
}


/** A channel hub that counts open channels and live subscriptions. */
function countingHub() {
  const hub = localChannelHub();
  let open = 0;
  let subscriptions = 0;
  return {
    get open() {
      return open;
    },
    get subscriptions() {
      return subscriptions;
    },
    channel(): SyncChannel {
      const inner = hub.channel();
      open++;
      let closed = false;
      return {
        post: (msg) => inner.post(msg),
        subscribe(fn) {
          subscriptions++;
          const stop = inner.subscribe(fn);
          let stopped = false;
          return () => {
            if (!stopped) subscriptions--;
            stopped = true;
            stop();
          };
        },
        close() {
          if (!closed) open--;
          closed = true;
          inner.close();
        },
      };
    },
  };
}

describe('a Node service running for days', () => {
  it('7 days of 5-minute tokens: one refresh per 270 s, one timer, no growth of marks, locks or listeners, zero 401s', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const key = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 30 * 86_400 });
    const clock = deviceClock();
    const lock = countingLock();
    const storage = countingStorage();
    const hub = countingHub();
    const auth = env.client({ refreshKey: key.refreshKey, audience: 'tokenflight-api', clock, lock, storage, channel: hub.channel() });
    const log = record(auth);
    await auth.ready;
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    server.resetCounters();
    let maxLive = 0;
    for (let hour = 0; hour < 7 * 24; hour++) {
      await advance(HOUR, () => auth.session.refreshing, 30_000);
      maxLive = Math.max(maxLive, clock.live);
      expect(lock.marks).toBeLessThanOrEqual(1);
      expect(lock.running).toBe(0);
      if (hour % 6 === 0) await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    }
    const expected = (7 * DAY) / 270_000;
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(Math.floor(expected * 0.85));
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(Math.ceil(expected) + 1);
    expect(server.counters).toMatchObject({ unauthorized: 0, reuseDetections: 0 });
    expect(log.of('session:refresh-failed')).toEqual([]);
    expect(log.of('session:end')).toEqual([]);
    expect(maxLive).toBe(1);
    expect(storage.subscribers).toBe(1);
    expect(hub.subscriptions).toBe(1);

    auth.dispose();
    expect(clock.live).toBe(0);
    expect(lock.marks).toBe(0);
    expect(storage.subscribers).toBe(0);
    expect(hub.subscriptions).toBe(0);
    expect(hub.open).toBe(0);
  }, 120_000);
});


describe('many cycles on shared hub, lock and storage', () => {
  it('1000 create/dispose cycles: no subscriber, channel, mark or timer left behind', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const storage = countingStorage();
    const lock = countingLock();
    const hub = countingHub();
    const lifecycle = countingLifecycle();
    const clock = deviceClock();
    const keeper = env.client({ storage, lock, channel: hub.channel(), lifecycle, clock });
    await signIn(keeper);
    server.resetCounters();
    for (let i = 0; i < 1000; i++) {
      const c = env.client({ storage, lock, channel: hub.channel(), lifecycle, clock });
      if (i % 2 === 0) await c.ready;
      c.dispose();
    }
    await flush();
    expect(storage.subscribers).toBe(1);
    expect(hub.subscriptions).toBe(1);
    expect(hub.open).toBe(1);
    expect(lifecycle.listeners).toBe(1);
    expect(lock.marks).toBe(0);
    expect(clock.live).toBe(1);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('1000 login/logout cycles with a second tab following: no growth, one session:start and one session:end per cycle', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const storage = countingStorage();
    const lock = countingLock();
    const hub = countingHub();
    const lifecycle = countingLifecycle();
    const clock = deviceClock();
    const net = countingFetch();
    const a = env.client({ storage, lock, channel: hub.channel(), lifecycle, clock, fetch: net.fetch });
    const b = env.client({ storage, lock, channel: hub.channel(), lifecycle, clock });
    const logA = record(a);
    const logB = record(b);
    const N = 1000;
    for (let i = 0; i < N; i++) {
      await signIn(a);
      await flush(1);
      await a.logout();
      await flush(1);
    }
    await net.idle();
    await flush();
    expect(logA.of('session:start')).toHaveLength(N);
    expect(logA.of('session:end')).toHaveLength(N);
    expect(logB.of('session:end').length).toBe(logB.of('session:start').length);
    expect(a.session.status).toBe('unauthenticated');
    expect(b.session.status).toBe('unauthenticated');
    expect(storage.subscribers).toBe(2);
    expect(hub.subscriptions).toBe(2);
    expect(lifecycle.listeners).toBe(2);
    expect(lock.marks).toBe(0);
    // No growth (the stale timer of the follower is covered by its own test below).
    expect(clock.live).toBeLessThanOrEqual(1);
    expect(server.counters).toMatchObject({ loginCalls: N, refreshCalls: 0 });
  }, 60_000);
});

describe('dispose()', () => {
  it('settles every pending waiter with DisposedError, leaves zero timers, and never touches storage or the network again', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const clock = deviceClock();
    const storage = countingStorage();
    const net = countingFetch();
    const lock = countingLock();
    const auth = env.client({ clock, storage, fetch: net.fetch, lock, channel: false, lifecycle: manualLifecycle() });
    await signIn(auth);
    // The refresh hangs at the server; five callers wait for it.
    server.inject('refresh', { type: 'delay', ms: 60_000 });
    jump(280_000);
    const waiting = [
      ...Array.from({ length: 3 }, () => auth.http.get('api/me').json().catch((e: unknown) => e)),
      auth.getAccessToken().catch((e: unknown) => e),
      auth.refresh().catch((e: unknown) => e),
    ];
    await flush();
    auth.dispose();
    for (const result of await Promise.all(waiting)) expect(result).toBeInstanceOf(DisposedError);
    expect(clock.live).toBe(0);
    await vi.advanceTimersByTimeAsync(61_000);
    await net.idle();
    // The refresh already sent completes and lands (README); from then on, silence.
    const calls = { storage: storage.calls, net: net.calls };
    expect(lock.marks).toBe(0);
    await advance(2 * HOUR, () => false, 60_000);
    expect(clock.live).toBe(0);
    expect({ storage: storage.calls, net: net.calls }).toEqual(calls);
    await expect(auth.http.get('api/me')).rejects.toBeInstanceOf(DisposedError);
    await expect(auth.logout()).rejects.toBeInstanceOf(DisposedError);
    expect({ storage: storage.calls, net: net.calls }).toEqual(calls);
  });

  it('a client disposed while its refresh is still reading the store never posts its refresh token', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const inner = memoryStorage();
    let gate: Promise<void> | null = null;
    let open!: () => void;
    const storage: StorageAdapter = {
      shared: false,
      getItem: async (key) => {
        if (gate) await gate;
        return inner.getItem(key);
      },
      setItem: (key, value) => inner.setItem(key, value),
      removeItem: (key) => inner.removeItem(key),
    };
    const auth = env.client({ storage, lock: false, channel: false, autoRefresh: false });
    await signIn(auth);
    jump(301_000);
    server.resetCounters();
    gate = new Promise<void>((resolve) => (open = resolve));
    const waiting = auth.refresh().catch((e: unknown) => e);
    await flush();
    auth.dispose();
    expect(await waiting).toBeInstanceOf(DisposedError);
    open();
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe('a tab following another tab\'s logout', () => {
  it('drops its background timer (a signed-out client holds no timer, e.g. a 24-day one that keeps Node alive)', async () => {
    const server = env.server({ accessTokenTtl: 365 * 86_400 });
    const storage = countingStorage();
    const lock = localLock();
    const hub = localChannelHub();
    const clockA = deviceClock();
    const clockB = deviceClock();
    const a = env.client({ storage, lock, channel: hub.channel(), clock: clockA, lifecycle: manualLifecycle() });
    const b = env.client({ storage, lock, channel: hub.channel(), clock: clockB, lifecycle: manualLifecycle() });
    await signIn(a);
    await flush();
    expect(b.session.status).toBe('authenticated');
    expect(clockB.live).toBe(1);
    await a.logout();
    await flush();
    expect(b.session.status).toBe('unauthenticated');
    expect(clockA.live).toBe(0);
    expect(clockB.live).toBe(0);
    expect(server.counters.refreshCalls).toBe(0);
  });

});
