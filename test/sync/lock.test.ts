import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localLock, webLocks } from '../../src/sync';
import type { LockManager, LockManagerLike } from '../../src/sync';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** A small Web Locks fake: exclusive FIFO per name, honours `signal` while waiting. */
const fakeLocks = () => {
  const queues = new Map<string, Array<() => void>>();
  const requests: string[] = [];
  const locks: LockManagerLike = {
    request<T>(name: string, options: { mode: 'exclusive'; signal: AbortSignal }, cb: () => Promise<T>): Promise<T> {
      requests.push(name);
      return new Promise<T>((resolve, reject) => {
        const q = queues.get(name) ?? [];
        queues.set(name, q);
        const grant = () => {
          options.signal.removeEventListener('abort', onAbort);
          Promise.resolve()
            .then(cb)
            .then(resolve, reject)
            .finally(() => {
              q.shift();
              q[0]?.();
            });
        };
        const onAbort = () => {
          q.splice(q.indexOf(grant), 1);
          reject(new DOMException('aborted', 'AbortError'));
        };
        if (options.signal.aborted) return onAbort();
        options.signal.addEventListener('abort', onAbort);
        q.push(grant);
        if (q.length === 1) grant();
      });
    },
  };
  return { locks, requests };
};

/** Mutual exclusion + FIFO order, shared by every implementation. */
async function expectExclusive(manager: LockManager) {
  const log: string[] = [];
  let inside = 0;
  const job = (id: string) =>
    manager.run('refresh', 10_000, async (acquired) => {
      expect(acquired).toBe(true);
      expect(inside++).toBe(0);
      log.push(`start ${id}`);
      await Promise.resolve();
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${id}`);
      inside--;
      return id;
    });
  const all = Promise.all([job('a'), job('b'), job('c')]);
  await vi.advanceTimersByTimeAsync(100);
  expect(await all).toEqual(['a', 'b', 'c']);
  expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
}

async function expectBoundedWait(manager: LockManager) {
  const stuck = deferred();
  let holderAcquired: boolean | undefined;
  void manager.run('refresh', 1000, async (acquired) => {
    holderAcquired = acquired;
    await stuck.promise; // never finishes in time
  });
  await vi.advanceTimersByTimeAsync(0);
  const second = vi.fn(async (acquired: boolean) => acquired);
  const result = manager.run('refresh', 1000, second);
  await vi.advanceTimersByTimeAsync(999);
  expect(second).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(1);
  expect(await result).toBe(false);
  expect(holderAcquired).toBe(true);
  // A different name is independent.
  expect(await manager.run('other', 1000, async (a) => a)).toBe(true);
  stuck.resolve();
  await vi.advanceTimersByTimeAsync(0);
  expect(await manager.run('refresh', 1000, async (a) => a)).toBe(true);
}

async function expectErrorsPropagate(manager: LockManager) {
  const boom = new Error('boom');
  await expect(manager.run('refresh', 1000, async () => Promise.reject(boom))).rejects.toBe(boom);
  await expect(
    manager.run('refresh', 1000, () => {
      throw boom;
    }),
  ).rejects.toBe(boom);
  expect(await manager.run('refresh', 1000, async (acquired) => acquired)).toBe(true);
}

describe('localLock', () => {
  it('runs FIFO and never overlaps', () => expectExclusive(localLock()));
  it('waits at most timeoutMs, then runs without the lock', () => expectBoundedWait(localLock()));
  it('propagates fn errors and releases the lock', () => expectErrorsPropagate(localLock()));

  it('a timed-out waiter does not break the queue behind it', async () => {
    const lock = localLock();
    const first = deferred();
    const order: string[] = [];
    void lock.run('n', 100, async () => {
      order.push('a');
      await first.promise;
    });
    const b = lock.run('n', 50, async (acquired) => void order.push(`b:${acquired}`));
    const c = lock.run('n', 10_000, async (acquired) => void order.push(`c:${acquired}`));
    await vi.advanceTimersByTimeAsync(50);
    await b;
    first.resolve();
    await c;
    expect(order).toEqual(['a', 'b:false', 'c:true']);
  });

  it('marks: visible to every user of the instance until released (counted, release idempotent)', async () => {
    const lock = localLock();
    const a = lock.mark?.('m');
    const b = lock.mark?.('m');
    expect(await lock.isMarked?.('m')).toBe(true);
    expect(await localLock().isMarked?.('m')).toBe(false);
    a?.();
    a?.();
    expect(await lock.isMarked?.('m')).toBe(true);
    b?.();
    expect(await lock.isMarked?.('m')).toBe(false);
  });

  it('is shared by clients through one instance, and independent across instances', async () => {
    const shared = localLock();
    const hold = deferred();
    void shared.run('n', 1000, () => hold.promise);
    expect(await localLock().run('n', 1000, async (a) => a)).toBe(true);
    const waiting = shared.run('n', 1000, async (a) => a);
    hold.resolve();
    expect(await waiting).toBe(true);
  });
});

describe('webLocks', () => {
  it('uses locks.request exclusively', async () => {
    const { locks, requests } = fakeLocks();
    await expectExclusive(webLocks(locks));
    expect(requests).toEqual(['refresh', 'refresh', 'refresh']);
  });
  it('aborts the wait after timeoutMs and runs unlocked', () => expectBoundedWait(webLocks(fakeLocks().locks)));
  it('propagates fn errors and releases the lock', () => expectErrorsPropagate(webLocks(fakeLocks().locks)));

  it('runs unlocked when locks.request itself fails', async () => {
    const locks: LockManagerLike = { request: () => Promise.reject(new DOMException('denied', 'SecurityError')) };
    expect(await webLocks(locks).run('n', 1000, async (a) => a)).toBe(false);
  });

  it('bounds the wait even when locks.request never settles and ignores its signal', async () => {
    const locks: LockManagerLike = { request: () => new Promise<never>(() => undefined) };
    const result = webLocks(locks).run('n', 1000, async (acquired) => acquired);
    await vi.advanceTimersByTimeAsync(999);
    let settled = false;
    void result.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe(false);
  });

  it('a grant arriving after the wait gave up releases the lock at once and never runs fn twice', async () => {
    let grant: () => Promise<unknown> = async () => undefined;
    const locks: LockManagerLike = {
      request: <T>(_name: string, _options: unknown, callback: () => Promise<T>) =>
        new Promise<T>((resolve) => (grant = () => callback().then(resolve))),
    };
    const fn = vi.fn(async (acquired: boolean) => acquired);
    const result = webLocks(locks).run('n', 1000, fn);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await result).toBe(false);
    await grant();
    expect(fn.mock.calls).toEqual([[false]]);
  });

  it('marks are shared locks held until released, visible through query()', async () => {
    const held: string[] = [];
    const locks: LockManagerLike = {
      async request<T>(name: string, options: { mode: 'exclusive' | 'shared' }, callback: () => Promise<T>) {
        expect(options.mode).toBe('shared');
        held.push(name);
        try {
          return await callback();
        } finally {
          held.splice(held.indexOf(name), 1);
        }
      },
      query: async () => ({ held: held.map((name) => ({ name })) }),
    };
    const manager = webLocks(locks);
    const release = manager.mark?.('m');
    await vi.advanceTimersByTimeAsync(0);
    expect(await manager.isMarked?.('m')).toBe(true);
    expect(await manager.isMarked?.('other')).toBe(false);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(await manager.isMarked?.('m')).toBe(false);
  });

  it('without query() or with a failing request, nothing is marked and nothing throws', async () => {
    const manager = webLocks({ request: () => Promise.reject(new Error('denied')) });
    const release = manager.mark?.('m');
    expect(await manager.isMarked?.('m')).toBe(false);
    expect(() => release?.()).not.toThrow();
  });

  it('falls back to an in-process lock when Web Locks are absent', async () => {
    vi.stubGlobal('navigator', undefined);
    try {
      await expectExclusive(webLocks());
      await expectBoundedWait(webLocks(undefined));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe.runIf(typeof (globalThis.navigator as { locks?: unknown } | undefined)?.locks === 'object')(
  'webLocks on the runtime navigator.locks',
  () => {
    it('serialises runs', async () => {
      vi.useRealTimers();
      const manager = webLocks();
      let inside = 0;
      const job = () =>
        manager.run(`tokenflight-test-${process.pid}`, 5000, async (acquired) => {
          expect(inside++).toBe(0);
          await new Promise((r) => setImmediate(r));
          inside--;
          return acquired;
        });
      expect(await Promise.all([job(), job(), job()])).toEqual([true, true, true]);
    });
  },
);
