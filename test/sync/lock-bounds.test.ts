import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, webStorage, type WebStorageLike } from '../../src';
import { normalizeOptions } from '../../src/options';
import { webLocks, type LockManagerLike } from '../../src/sync';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const granting: LockManagerLike['request'] = async (_name, _options, callback) => callback();

/** Settles `promise` while the fake clock moves `ms`; `undefined` if it has not settled by then. */
async function after<T>(ms: number, promise: Promise<T>): Promise<{ value: T } | undefined> {
  let result: { value: T } | undefined;
  void promise.then((value) => (result = { value }));
  await vi.advanceTimersByTimeAsync(ms);
  return result;
}

describe('webLocks isMarked is bounded', () => {
  it('a query() that never answers counts as marked after queryTimeout (1 s), not before', async () => {
    const manager = webLocks({ request: granting, query: () => new Promise(() => undefined) });
    const marked = manager.isMarked?.('m') ?? Promise.resolve(false);
    expect(await after(999, marked)).toBeUndefined();
    expect(await after(1, marked)).toEqual({ value: true });
  });

  it('the bound is configurable', async () => {
    const manager = webLocks({ request: granting, query: () => new Promise(() => undefined) }, undefined, 50);
    expect(await after(50, manager.isMarked?.('m') ?? Promise.resolve(false))).toEqual({ value: true });
  });

  it('a query() answering late but within the bound is believed', async () => {
    const query = () => new Promise<{ held: Array<{ name: string }> }>((resolve) => setTimeout(() => resolve({ held: [{ name: 'm' }] }), 900));
    const manager = webLocks({ request: granting, query });
    expect(await after(900, manager.isMarked?.('m') ?? Promise.resolve(false))).toEqual({ value: true });
    expect(await after(900, manager.isMarked?.('other') ?? Promise.resolve(true))).toEqual({ value: false });
  });

  it.each([
    ['throws', (): never => {
      throw new Error('broken');
    }],
    ['rejects', () => Promise.reject(new Error('broken'))],
    ['answers garbage', () => Promise.resolve({ held: 'nope' } as never)],
  ])('a query() that %s means not marked, at once', async (_label, query) => {
    const manager = webLocks({ request: granting, query });
    expect(await after(0, manager.isMarked?.('m') ?? Promise.resolve(true))).toEqual({ value: false });
  });

  it('without query(), nothing is marked', async () => {
    expect(await after(0, webLocks({ request: granting }).isMarked?.('m') ?? Promise.resolve(true))).toEqual({ value: false });
  });
});

describe('the default lock', () => {
  const store = (): WebStorageLike => {
    const data = new Map<string, string>();
    return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
  };
  const base = { baseUrl: 'https://api.example.com/' };

  it('is Web Locks when navigator.locks exists', async () => {
    const requests: string[] = [];
    const locks: LockManagerLike = {
      request: (name, options, callback) => {
        requests.push(name);
        return granting(name, options, callback);
      },
    };
    vi.stubGlobal('navigator', { locks });
    const { lock } = normalizeOptions({ ...base, storage: webStorage(store()) });
    await expect(lock?.run('n', 1000, async (acquired) => acquired)).resolves.toBe(true);
    expect(requests).toEqual(['n']);
  });

  it('without navigator.locks, the lease lock of the shared Web Storage, kept in that storage', async () => {
    vi.stubGlobal('navigator', {});
    const storage = store();
    const { lock } = normalizeOptions({ ...base, storage: webStorage(storage), random: () => 0.25 });
    let seen: string | null = null;
    const run = lock?.run('n', 1000, async (acquired) => {
      seen = storage.getItem('n:lease');
      return acquired;
    });
    await vi.advanceTimersByTimeAsync(200);
    await expect(run).resolves.toBe(true);
    expect(seen).toMatch(/^\S+ \d+$/);
    expect(storage.getItem('n:lease')).toBeNull();
  });

  it('without navigator.locks and a store without a lock (memory, custom adapters): none', () => {
    vi.stubGlobal('navigator', {});
    const custom = { ...memoryStorage(), shared: true };
    expect(normalizeOptions({ ...base, storage: custom }).lock).toBeNull();
    expect(normalizeOptions({ ...base, storage: memoryStorage() }).lock).toBeNull();
  });

  it('an explicit lock or `false` wins', () => {
    vi.stubGlobal('navigator', {});
    const lock = webLocks({ request: granting });
    expect(normalizeOptions({ ...base, storage: webStorage(store()), lock }).lock).toBe(lock);
    expect(normalizeOptions({ ...base, storage: webStorage(store()), lock: false }).lock).toBeNull();
  });
});
