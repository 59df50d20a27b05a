import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebStorageLike } from '../../src';
import { storageLock } from '../../src/sync';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(Date.UTC(2030, 0, 1));
});
afterEach(() => {
  vi.useRealTimers();
});

/** mulberry32: a seeded random source per tab. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const memory = (): WebStorageLike & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
};

/**
 * One origin's storage seen from tabs in separate processes: the store orders every write, and each
 * tab's copy of a key (the writer's too) catches up with the store's value `lagMs` after a write.
 * Until then the writer reads its own write and the others the older value.
 */
function laggy(lagMs: number) {
  const truth = new Map<string, string>();
  const views: Array<Map<string, string>> = [];
  return {
    view(): WebStorageLike {
      const data = new Map(truth);
      views.push(data);
      const write = (key: string, value: string | null) => {
        for (const map of [data, truth]) value === null ? map.delete(key) : map.set(key, value);
        for (const view of views) {
          setTimeout(() => {
            const now = truth.get(key);
            now === undefined ? view.delete(key) : view.set(key, now);
          }, lagMs);
        }
      };
      return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => write(k, v), removeItem: (k) => write(k, null) };
    },
  };
}

/** Runs `n` contenders at once, each holding the lock `holdMs`, `rounds` times; returns the most ever inside together. */
async function contend(stores: WebStorageLike[], holdMs: number, rounds = 3): Promise<{ maxInside: number; acquired: boolean[] }> {
  let inside = 0;
  let maxInside = 0;
  const acquired: boolean[] = [];
  const locks = stores.map((store, i) => storageLock(store, { random: seeded(i + 1) }));
  const all = Promise.all(
    locks.map(async (lock) => {
      for (let round = 0; round < rounds; round++) {
        await lock.run('tf', 10_000, async (got) => {
          acquired.push(got);
          maxInside = Math.max(maxInside, ++inside);
          await new Promise((resolve) => setTimeout(resolve, holdMs));
          inside--;
        });
      }
    }),
  );
  await vi.advanceTimersByTimeAsync(60_000);
  await all;
  return { maxInside, acquired };
}

describe('storageLock', () => {
  it('one holder at a time among 5 tabs sharing one store, 3 rounds each', async () => {
    const store = memory();
    const { maxInside, acquired } = await contend([store, store, store, store, store], 20);
    expect(maxInside).toBe(1);
    expect(acquired).toEqual(Array(15).fill(true));
    expect(store.data.has('tf:lease')).toBe(false);
  });

  it('writes reach the other tabs 10 ms late (below the settle delay): still one holder at a time', async () => {
    const origin = laggy(10);
    const { maxInside, acquired } = await contend(Array.from({ length: 5 }, () => origin.view()), 20);
    expect(maxInside).toBe(1);
    expect(acquired).toEqual(Array(15).fill(true));
  });

  it('a lease left by a closed tab expires: the next tab gets the lock then, within its wait bound', async () => {
    const store = memory();
    store.setItem('tf:lease', `closed ${Date.now() + 500}`);
    const started = Date.now();
    const run = storageLock(store, { random: seeded(1) }).run('tf', 1000, async (acquired) => [acquired, Date.now() - started] as const);
    await vi.advanceTimersByTimeAsync(1000);
    const [acquired, at] = await run;
    expect(acquired).toBe(true);
    expect(at).toBeGreaterThanOrEqual(500);
    expect(at).toBeLessThan(1000);
  });

  it('a live holder renews its lease past the wait bound: a waiter runs without the lock after timeoutMs, never beside a lost lease', async () => {
    const store = memory();
    const holder = storageLock(store, { random: seeded(1) });
    const waiter = storageLock(store, { random: seeded(2) });
    const held = holder.run('tf', 1000, async (acquired) => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return acquired;
    });
    await vi.advanceTimersByTimeAsync(200);
    const started = Date.now();
    const waited = waiter.run('tf', 1000, async (acquired) => [acquired, Date.now() - started] as const);
    await vi.advanceTimersByTimeAsync(1100);
    expect(await waited).toEqual([false, expect.any(Number)]);
    expect((await waited)[1]).toBeGreaterThanOrEqual(1000);
    expect((await waited)[1]).toBeLessThan(1100);
    // Still in force: renewed every timeoutMs / 3 although its first expiry has long passed.
    expect(Number(store.getItem('tf:lease')?.split(' ')[1])).toBeGreaterThan(Date.now());
    await vi.advanceTimersByTimeAsync(3000);
    const late = storageLock(store, { random: seeded(3) }).run('tf', 500, async (acquired) => acquired);
    await vi.advanceTimersByTimeAsync(600);
    expect(await late).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await held).toBe(true);
    expect(store.data.has('tf:lease')).toBe(false);
  });

  it('removes only its own lease: one taken over meanwhile stays', async () => {
    const store = memory();
    const run = storageLock(store, { random: seeded(1) }).run('tf', 1000, async (acquired) => {
      store.setItem('tf:lease', `other ${Date.now() + 1000}`);
      return acquired;
    });
    await vi.advanceTimersByTimeAsync(200);
    expect(await run).toBe(true);
    expect(store.getItem('tf:lease')).toMatch(/^other /);
  });

  it('a store that refuses writes (quota, privacy mode): runs without the lock at once, nothing throws', async () => {
    const store: WebStorageLike = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const lock = storageLock(store);
    await expect(lock.run('tf', 1000, async (acquired) => acquired)).resolves.toBe(false);
    const release = lock.mark?.('m');
    expect(await lock.isMarked?.('m')).toBe(false);
    expect(() => release?.()).not.toThrow();
  });

  it('a store that cannot be read: no lease is seen, the run is not stuck', async () => {
    const store: WebStorageLike = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    const run = storageLock(store).run('tf', 1000, async (acquired) => acquired);
    await vi.advanceTimersByTimeAsync(1200);
    await expect(run).resolves.toBe(false);
  });

  it('a lease dated further ahead than any lease lasts (written while the clock was far ahead) is void', async () => {
    const store = memory();
    store.setItem('tf:lease', `closed ${Date.now() + 30 * 86_400_000}`);
    const run = storageLock(store, { random: seeded(1) }).run('tf', 1000, async (acquired) => acquired);
    await vi.advanceTimersByTimeAsync(200);
    await expect(run).resolves.toBe(true);
  });

  it('marks are seen by every tab until released, and expire when never released (a tab closed)', async () => {
    const store = memory();
    const a = storageLock(store, { random: seeded(1), markTtl: 60_000 });
    const b = storageLock(store, { random: seeded(2), markTtl: 60_000 });
    const release = a.mark?.('tf:sent:1');
    expect(await b.isMarked?.('tf:sent:1')).toBe(true);
    expect(await b.isMarked?.('tf:sent:2')).toBe(false);
    expect(await b.isMarked?.('tf:sent')).toBe(false);
    // The same token marked by two tabs: released by one, still marked by the other.
    const other = b.mark?.('tf:sent:1');
    release?.();
    expect(await a.isMarked?.('tf:sent:1')).toBe(true);
    other?.();
    expect(await a.isMarked?.('tf:sent:1')).toBe(false);
    b.mark?.('tf:sent:3');
    vi.setSystemTime(Date.now() + 60_001);
    expect(await a.isMarked?.('tf:sent:3')).toBe(false);
    // The next edit sweeps the expired mark: the key does not grow with every closed tab.
    a.mark?.('tf:sent:4');
    expect(Object.keys(JSON.parse(store.getItem('tokenflight:marks') ?? '{}') as object)).toHaveLength(1);
  });

  it('a marks key holding garbage, or a mark dated further ahead than any mark lasts, means not marked', async () => {
    const store = memory();
    const lock = storageLock(store);
    for (const garbage of ['not json', '"text"', '[1,2]', 'null', '{"tf:sent:1 x":"soon"}', `{"tf:sent:1 x":${Date.now() + 30 * 86_400_000}}`]) {
      store.setItem('tokenflight:marks', garbage);
      expect(await lock.isMarked?.('tf:sent:1')).toBe(false);
      const release = lock.mark?.('tf:sent:2');
      expect(await lock.isMarked?.('tf:sent:2')).toBe(true);
      release?.();
    }
  });
});
