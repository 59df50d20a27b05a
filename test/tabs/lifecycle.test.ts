import { describe, expect, it, vi } from 'vitest';
import { DisposedError, localChannelHub, localLock, manualLifecycle, memoryStorage, webStorage } from '../../src';
import { advance, countingLifecycle, jump, record, setup, signIn } from '../client/support';
import { KEY } from '../storage-client/support';
import { fakeOrigin } from './fake-window';
import { nextEvent, trackedFetch } from './support';

const env = setup();
const HOUR = 3_600_000;

describe('sleep and wake', () => {
  it.each<[string, (lifecycle: ReturnType<typeof manualLifecycle>) => void]>([
    ['the first request after wake', () => undefined],
    ['a visible signal, then the first request', (lifecycle) => lifecycle.emit('visible')],
  ])('+3 h clock jump, woken by %s: exactly one refresh, before the request', async (_name, wake) => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    await vi.advanceTimersByTimeAsync(60_000);
    server.resetCounters();

    // The machine sleeps: no timer fires, the wall clock moves on by 3 hours.
    jump(3 * HOUR);
    wake(lifecycle);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, unauthorized: 0, reuseDetections: 0, resourceRequests: 1 });
    // The timer that slept through the jump fires later and finds nothing to do; no loop follows.
    await vi.advanceTimersByTimeAsync(200_000);
    expect(server.counters.refreshCalls).toBe(1);
    expect(auth.session.status).toBe('authenticated');
  });

  it('a visible signal after the jump refreshes at once, before any request', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    server.resetCounters();
    jump(3 * HOUR);
    const refreshed = nextEvent(auth, 'session:refresh');
    lifecycle.emit('visible');
    await expect(refreshed).resolves.toMatchObject({ origin: 'local', generation: 2 });
    expect(server.counters.refreshCalls).toBe(1);
    expect(auth.session.expiresAt).toBeGreaterThan(Date.now());
  });
});

describe('visibility', () => {
  it('hidden pauses the background timer; visible re-checks and refreshes at once', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    await signIn(auth);
    server.resetCounters();
    lifecycle.emit('hidden');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.counters.refreshCalls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const refreshed = nextEvent(auth, 'session:refresh');
    lifecycle.emit('visible');
    await refreshed;
    expect(server.counters.refreshCalls).toBe(1);
    // Visible again: the timer runs, one refresh per token lifetime.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('a hidden tab still refreshes on demand for its own requests', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = manualLifecycle({ visible: false });
    const auth = env.client({ lifecycle });
    await signIn(auth);
    jump(301_000);
    server.resetCounters();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, unauthorized: 0 });
  });
});

describe('offline', () => {
  it('a transient refresh failure while offline waits for online instead of retrying on a timer', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const lifecycle = manualLifecycle();
    const auth = env.client({ lifecycle });
    const log = record(auth);
    await signIn(auth);
    lifecycle.emit('offline');
    server.inject('refresh', { type: 'network-error' }, 100);
    jump(301_000);
    server.resetCounters();
    const request = auth.http.get('api/me').json().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await request).toMatchObject({ code: 'TF_REFRESH_FAILED' });
    // One attempt plus the one allowed same-token retry after no response.
    expect(server.counters.refreshCalls).toBe(2);
    expect(log.of('session:refresh-failed')).toEqual([expect.objectContaining({ retryable: true, attempt: 1 })]);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(server.counters.refreshCalls).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(auth.session.status).toBe('authenticated');

    server.clearFaults();
    const refreshed = nextEvent(auth, 'session:refresh');
    lifecycle.emit('online');
    await refreshed;
    expect(server.counters.refreshCalls).toBe(3);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(log.of('session:end')).toHaveLength(0);
  });

  it('online: a transient failure backs off on a timer (with jitter, never 0 ms)', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ lifecycle: manualLifecycle(), backoff: { base: 1000, max: 60_000 } });
    const log = record(auth);
    await signIn(auth);
    server.inject('refresh', { type: 'status', status: 503 }, 2);
    server.resetCounters();
    await advance(270_000, () => auth.session.refreshing);
    expect(server.counters.refreshCalls).toBe(1);
    const [failure] = log.of('session:refresh-failed');
    expect(failure?.nextAttemptAt).toBeGreaterThan(Date.now());
    await advance(10_000, () => auth.session.refreshing, 100);
    expect(server.counters.refreshCalls).toBe(3);
    expect(log.of('session:refresh')).toHaveLength(1);
  });
});

describe('dispose()', () => {
  it('releases the timer, lifecycle and storage listeners and the channel', async () => {
    env.server({ accessTokenTtl: 300 });
    const lifecycle = countingLifecycle();
    const origin = fakeOrigin();
    const w = origin.window();
    let storageListeners = 0;
    const target = {
      addEventListener: (type: string, fn: (event: unknown) => void) => {
        storageListeners++;
        w.target.addEventListener(type, fn);
      },
      removeEventListener: (type: string, fn: (event: unknown) => void) => {
        storageListeners--;
        w.target.removeEventListener(type, fn);
      },
    };
    const hub = localChannelHub();
    const other = hub.channel();
    const auth = env.client({ storage: webStorage(w.storage, { target }), lock: localLock(), channel: hub.channel(), lifecycle });
    await signIn(auth);
    expect(vi.getTimerCount()).toBe(1);
    expect(lifecycle.listeners).toBe(1);
    expect(storageListeners).toBe(1);
    const log = record(auth);

    auth.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(lifecycle.listeners).toBe(0);
    expect(storageListeners).toBe(0);
    other.post({ type: 'logout', generation: 99, from: 'elsewhere' });
    lifecycle.emit('visible');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(log.events).toEqual([]);
    expect(origin.data.has(KEY)).toBe(true);
    await expect(auth.http.get('api/me')).rejects.toBeInstanceOf(DisposedError);
    await expect(auth.refresh()).rejects.toBeInstanceOf(DisposedError);
  });

  it('settles requests waiting on a refresh at once; the refresh in flight still lands in storage for the other tabs', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const network = trackedFetch();
    const storage = memoryStorage();
    const lock = localLock();
    const hub = localChannelHub();
    const leaving = env.client({ storage, lock, channel: hub.channel(), autoRefresh: false, fetch: network.fetch });
    const staying = env.client({ storage, lock, channel: hub.channel(), autoRefresh: false });
    await signIn(leaving);
    await vi.advanceTimersByTimeAsync(0);
    server.inject('refresh', { type: 'delay', ms: 1000 });
    jump(61_000);
    server.resetCounters();
    const waiting = Array.from({ length: 5 }, () => leaving.http.get('api/me').json().catch((error: unknown) => error));
    await vi.advanceTimersByTimeAsync(100);
    leaving.dispose();
    for (const result of await Promise.all(waiting)) expect(result).toBeInstanceOf(DisposedError);

    // The other tab, due as well, waits for the lock and adopts the rotated session instead of posting the old token.
    const request = staying.http.get('api/me').json();
    await vi.advanceTimersByTimeAsync(2000);
    await expect(request).resolves.toMatchObject({ username: 'ada' });
    await network.idle();
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    expect(staying.session.generation).toBe(2);
  });

  it('a disposed tab waiting for the lock never posts its refresh token', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const storage = memoryStorage();
    const lock = localLock();
    const auth = env.client({ storage, lock, channel: false, autoRefresh: false });
    await signIn(auth);
    let release!: () => void;
    void lock.run('tokenflight:tokenflight.session', 60_000, () => new Promise<void>((resolve) => (release = resolve)));
    jump(61_000);
    server.resetCounters();
    const waiting = auth.refresh().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    auth.dispose();
    expect(await waiting).toBeInstanceOf(DisposedError);
    release();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.counters.refreshCalls).toBe(0);
  });
});
