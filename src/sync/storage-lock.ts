import { MAX_TIMER_MS, systemClock, type Clock, type TimerHandle } from '../lifecycle/clock';
import type { WebStorageLike } from '../session/storage/web';
import type { LockManager } from './lock';

export interface StorageLockOptions {
  /** @default systemClock */
  clock?: Clock;
  /** Random source for owner ids and the settle delay; must differ between tabs. @default Math.random */
  random?: () => number;
  /** How long a mark outlives a tab that never released it (closed mid-refresh), in ms. Keep it above twice the client's `timeout`. @default 120000 */
  markTtl?: number;
}

/** Longer than a Web Storage write takes to reach the other tabs of an origin. */
const SETTLE_MS = 50;
const MARKS = 'tokenflight:marks';

/**
 * A cross-tab lock over Web Storage, for runtimes without Web Locks (Safari before 15.4, some WebViews).
 *
 * A tab takes the lock by writing a lease (owner id, expiry) under the lock's name when it finds none
 * in force, waits a short random settle delay, and holds the lock only if the lease it then reads is
 * still its own: when tabs write at the same moment the last write wins, and every contender reads the
 * same winner. The holder renews its lease while `fn` runs; a closed tab's lease expires after the
 * wait bound (`timeoutMs`); a tab removes only its own lease. Marks live in one key, each with an expiry.
 */
export function storageLock(storage: WebStorageLike, { clock = systemClock, random = Math.random, markTtl = 120_000 }: StorageLockOptions = {}): LockManager {
  const now = () => clock.now();
  const id = () => random().toString(36).slice(2);
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  /** A store call, or `false` when the store refused it (quota, privacy settings). */
  const io = <T>(call: () => T): T | false => {
    try {
      return call();
    } catch {
      return false;
    }
  };
  /**
   * An expiry in force. One further ahead than any lease or mark can last (written while the device clock was far
   * ahead) is void; a smaller step back only makes a waiter wait its own bound, as for a live holder.
   */
  const live = (until: unknown): boolean => (until as number) > now() && (until as number) < now() + MAX_TIMER_MS;
  /** The marks as a fresh plain object, whatever the key holds (a spread drops anything that is not one). */
  const marks = (): Record<string, unknown> => ({ ...io(() => JSON.parse(storage.getItem(MARKS) ?? '{}') as object) });
  /** Edits the marks, dropping the expired ones (a tab that closed while holding its mark). */
  const editMarks = (edit: (all: Record<string, unknown>) => unknown): void => {
    const all = marks();
    for (const key in all) if (!live(all[key])) delete all[key];
    edit(all);
    io(() => storage.setItem(MARKS, JSON.stringify(all)));
  };

  return {
    async run(name, timeoutMs, fn) {
      const key = `${name}:lease`;
      const me = id();
      const deadline = now() + timeoutMs;
      /** The owner of the lease in force, or '' when there is none. */
      const holder = (): string => {
        const [owner = '', until] = (io(() => storage.getItem(key)) || '').split(' ');
        return live(Number(until)) ? owner : '';
      };
      const lease = (): boolean => io(() => storage.setItem(key, `${me} ${now() + timeoutMs}`)) !== false;
      let acquired = false;
      while (!acquired && now() < deadline) {
        if (holder()) await sleep(SETTLE_MS * (0.5 + random()));
        // A store that refuses writes cannot hold a lock: go on without it at once.
        else if (!lease()) break;
        else {
          await sleep(SETTLE_MS * (1 + random()));
          acquired = holder() === me;
        }
      }
      let timer: TimerHandle;
      const renew = () => {
        if (holder() === me && lease()) timer = clock.setTimeout(renew, timeoutMs / 3);
      };
      if (acquired) renew();
      try {
        return await fn(acquired);
      } finally {
        clock.clearTimeout(timer);
        if (acquired && holder() === me) io(() => storage.removeItem(key));
      }
    },
    mark(name) {
      const key = `${name} ${id()}`;
      editMarks((all) => (all[key] = now() + markTtl));
      return () => editMarks((all) => delete all[key]);
    },
    isMarked: async (name) => {
      const all = marks();
      return Object.keys(all).some((key) => key.startsWith(`${name} `) && live(all[key]));
    },
  };
}
