import { beforeEach, describe, expect, it, vi } from 'vitest';
import { localChannelHub, localLock, webLocks, webStorage, type AuthClient, type StorageAdapter, type SyncChannel } from '../../src';
import type { LockManagerLike } from '../../src/sync';
import { jump, setup, signIn } from '../client/support';
import { fakeOrigin } from './fake-window';
import { fakeNavigatorLocks, trackedFetch } from './support';

const env = setup();

/** The requests of a test's tabs on the (mocked) network: fake time waits for them. */
let network = trackedFetch();
beforeEach(() => {
  network = trackedFetch();
});
const client = (options: Parameters<typeof env.client>[0]) => env.client({ fetch: network.fetch, ...options });

/** Runs the fake clock in steps, letting MSW and WebCrypto keep pace, until `work` settles; fails instead of hanging. */
async function drive<T>(work: Promise<T>, maxMs = 60_000, stepMs = 50): Promise<{ value: Promise<T>; elapsed: number }> {
  let settled = false;
  const start = Date.now();
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let elapsed = 0; elapsed <= maxMs && !settled; elapsed += stepMs) {
    // Fake time never moves while a request is on the mocked network, which answers in real time.
    await network.idle();
    if (settled) break;
    await vi.advanceTimersByTimeAsync(stepMs);
    for (let j = 0; j < 3; j++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!settled) throw new Error(`did not settle within ${maxMs} ms of fake time (hang)`);
  return { value: work, elapsed: Date.now() - start };
}

type Behaviour = 'never' | 'late' | 'throw' | 'reject';
const LATE_MS = 5_000;

/**
 * A Web Locks manager whose exclusive requests, shared requests (marks) or `query()` misbehave:
 * never answer, answer `LATE_MS` late (and ignore the abort signal), throw synchronously, or reject.
 * Everything else behaves as `navigator.locks`.
 */
function misbehaving(part: 'exclusive' | 'shared' | 'query', behaviour: Behaviour): { locks: LockManagerLike; calls: () => number } {
  const real = fakeNavigatorLocks();
  let calls = 0;
  const misbehave = <T>(work: () => Promise<T>): Promise<T> => {
    calls++;
    if (behaviour === 'throw') throw new Error('lock manager broke');
    if (behaviour === 'reject') return Promise.reject(new Error('lock manager broke'));
    if (behaviour === 'never') return new Promise<T>(() => undefined);
    return new Promise<void>((resolve) => setTimeout(resolve, LATE_MS)).then(work);
  };
  return {
    calls: () => calls,
    locks: {
      request(name, options, callback) {
        if (options.mode !== part) return real.request(name, options, callback);
        // Late grants ignore the signal, as a buggy implementation would.
        const { signal: _ignored, ...rest } = options;
        return misbehave(() => real.request(name, rest, callback));
      },
      query: () => (part === 'query' ? misbehave(() => real.query?.() ?? Promise.resolve({})) : (real.query?.() ?? Promise.resolve({}))),
    },
  };
}

const cases: Array<['exclusive' | 'shared' | 'query', Behaviour]> = (['exclusive', 'shared', 'query'] as const).flatMap((part) =>
  (['never', 'late', 'throw', 'reject'] as const).map((b): ['exclusive' | 'shared' | 'query', Behaviour] => [part, b]),
);

describe('a lock manager that misbehaves never holds a request or a refresh forever', () => {
  it('the issue\'s manager: request and query never answer (lockTimeout 600, timeout 2000): the GET completes, 1 refresh, refresh() settles', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const never = () => new Promise<never>(() => undefined);
    const auth = client({ lock: webLocks({ request: never, query: never }), lockTimeout: 600, timeout: 2000, channel: false, autoRefresh: false, http: { timeout: false } });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const { value, elapsed } = await drive(auth.http.get('api/me').json());
    await expect(value).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    // Lock and fallback lock (600 ms each), then a query that never answers counts as a mark (after
    // 1 s) and is waited out no longer than a real mark (lockTimeout + 2 x timeout + 1 s): about 8 s.
    expect(elapsed).toBeLessThan(10_000);
    jump(61_000);
    const refreshed = await drive(auth.refresh());
    await expect(refreshed.value).resolves.toMatchObject({ generation: 3 });
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
  });

  it.each(cases)('%s requests that %s: the request completes, the token is refreshed exactly once, refresh() settles', async (part, behaviour) => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { locks, calls } = misbehaving(part, behaviour);
    const auth = client({ lock: webLocks(locks), lockTimeout: 600, timeout: 2000, channel: false, autoRefresh: false, http: { timeout: false } });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const first = await drive(auth.http.get('api/me').json());
    await expect(first.value).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    jump(61_000);
    const second = await drive(auth.refresh());
    await expect(second.value).resolves.toMatchObject({ generation: 3 });
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
    expect(calls()).toBeGreaterThan(0);
    expect(first.elapsed).toBeLessThan(15_000);
    expect(second.elapsed).toBeLessThan(15_000);
  });

  it('two tabs on a manager whose query() never answers still share one refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { locks } = misbehaving('query', 'never');
    const origin = fakeOrigin();
    const hub = localChannelHub();
    const clients: AuthClient[] = [0, 1].map(() => {
      const w = origin.window();
      return client({ storage: webStorage(w.storage, { target: w.target }), lock: webLocks(locks), channel: hub.channel(), lockTimeout: 600, timeout: 2000, autoRefresh: false, http: { timeout: false } });
    });
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await drive(b.ready);
    await vi.advanceTimersByTimeAsync(10);
    jump(61_000);
    server.resetCounters();
    const { value } = await drive(Promise.all([a.http.get('api/me').json(), b.http.get('api/me').json()]));
    await expect(value).resolves.toHaveLength(2);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });
});

describe('channel and storage calls are bounded too', () => {
  it('a channel whose post throws: the request completes, 1 refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const broken: SyncChannel = {
      post: () => {
        throw new Error('channel broke');
      },
      subscribe: () => () => undefined,
      close: () => undefined,
    };
    const auth = client({ channel: broken, lockTimeout: 600, timeout: 2000, autoRefresh: false, http: { timeout: false } });
    await signIn(auth).catch(() => undefined);
    jump(61_000);
    server.resetCounters();
    const { value } = await drive(auth.http.get('api/me').json());
    await expect(value).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });

  it('a shared store whose calls stop answering after sign-in, and whose subscribe throws: the request completes, 1 refresh, refresh() settles', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const data = new Map<string, string>();
    let hung = false;
    const answer = <T>(value: () => T): Promise<T> => (hung ? new Promise<T>(() => undefined) : Promise.resolve(value()));
    const storage: StorageAdapter = {
      getItem: (key) => answer(() => data.get(key) ?? null),
      setItem: (key, value) => answer(() => void data.set(key, value)),
      removeItem: (key) => answer(() => void data.delete(key)),
      subscribe: () => {
        throw new Error('cannot listen');
      },
    };
    const auth = client({ storage, lock: localLock(), channel: false, lockTimeout: 600, timeout: 2000, autoRefresh: false, http: { timeout: false } });
    await signIn(auth);
    hung = true;
    jump(61_000);
    server.resetCounters();
    const first = await drive(auth.http.get('api/me').json());
    await expect(first.value).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    jump(61_000);
    const second = await drive(auth.refresh().then(() => 'settled', () => 'settled'));
    await expect(second.value).resolves.toBe('settled');
    expect(server.counters.reuseDetections).toBe(0);
  });
});
