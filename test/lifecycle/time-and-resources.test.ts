import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  DisposedError,
  localChannelHub,
  localLock,
  manualLifecycle,
  memoryStorage,
  systemClock,
  type Clock,
  type LockManager,
  type StorageAdapter,
  type SyncChannel,
} from '../../src';
import type { TimerHandle } from '../../src/lifecycle';
import { advance, countingLifecycle, flush, jump, record, setup, signIn } from '../client/support';

const env = setup();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The fake system clock seen through an adjustable offset (the device clock, not the server's), counting live timers. */
function deviceClock() {
  const live = new Set<TimerHandle>();
  const clock: Clock & { offset: number; sets: number; readonly live: number } = {
    offset: 0,
    sets: 0,
    get live() {
      return live.size;
    },
    now: () => systemClock.now() + clock.offset,
    setTimeout(fn, ms) {
      clock.sets++;
      const handle = systemClock.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
  };
  return clock;
}

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

/** Memory storage that notifies other subscribers (like `storage` events) and counts its subscribers and calls. */
function countingStorage() {
  const inner = memoryStorage();
  const subscribers = new Set<() => void>();
  const storage: StorageAdapter & { calls: number; readonly subscribers: number } = {
    shared: true,
    calls: 0,
    get subscribers() {
      return subscribers.size;
    },
    getItem(key) {
      storage.calls++;
      return inner.getItem(key);
    },
    setItem(key, value) {
      storage.calls++;
      return inner.setItem(key, value);
    },
    removeItem(key) {
      storage.calls++;
      return inner.removeItem(key);
    },
    subscribe(_key, onChange) {
      const entry = () => onChange();
      subscribers.add(entry);
      return () => void subscribers.delete(entry);
    },
  };
  return storage;
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

/** A fetch that counts calls (and remembers those in flight, to wait for fire-and-forget revocations). */
function countingFetch() {
  const pending = new Set<Promise<unknown>>();
  const f = {
    calls: 0,
    fetch: ((input, init) => {
      f.calls++;
      const call = fetch(input, init);
      const entry = call.catch(() => undefined);
      pending.add(entry);
      void entry.finally(() => pending.delete(entry));
      return call;
    }) as typeof fetch,
    async idle(): Promise<void> {
      while (pending.size > 0) {
        await Promise.all([...pending]);
        await flush(2);
      }
    },
  };
  return f;
}

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
