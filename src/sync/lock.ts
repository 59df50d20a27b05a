import { systemClock } from '../lifecycle/clock';
import type { Clock, TimerHandle } from '../lifecycle/clock';
import { webLocksOn, type LockManagerLike } from './web-locks';

export type { LockManagerLike } from './web-locks';

export interface LockManager {
  /**
   * Runs `fn` holding the named lock. Waits at most `timeoutMs` to acquire; after that runs `fn`
   * WITHOUT the lock (acquired = false) so a stuck or dead holder can never block progress forever.
   * Never rejects because of the lock itself; rejects only with fn's error.
   */
  run<T>(name: string, timeoutMs: number, fn: (acquired: boolean) => Promise<T>): Promise<T>;
  /**
   * Optional marks: named flags that every context sharing the lock sees at once, held until the
   * returned function releases them (or the context goes away). Storage alone cannot say this:
   * a `localStorage` write may reach another tab's process only after that tab got the lock.
   */
  mark?(name: string): () => void;
  isMarked?(name: string): Promise<boolean>;
}

/**
 * Web Locks (shared by every tab and worker of an origin); falls back to `localLock` when absent.
 * `queryTimeout` bounds `isMarked` (a `query()` that never answers).
 */
export function webLocks(
  locks: LockManagerLike | undefined = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks,
  clock: Clock = systemClock,
  queryTimeout = 1000,
): LockManager {
  return locks ? webLocksOn(locks, clock, queryTimeout) : localLock(clock);
}

/**
 * In-process FIFO mutex per name with the same bounded wait. Share one instance between clients
 * of one process that use the same store.
 */
export function localLock(clock: Clock = systemClock): LockManager {
  const queues = new Map<string, Array<(acquired: boolean) => void>>();
  const marks = new Map<string, number>();
  const leave = (name: string, queue: Array<(acquired: boolean) => void>, entry: (acquired: boolean) => void) => {
    const index = queue.indexOf(entry);
    queue.splice(index, 1);
    if (index === 0) queue[0]?.(true);
    if (!queue.length) queues.delete(name);
  };
  return {
    async run(name, timeoutMs, fn) {
      let queue = queues.get(name);
      if (!queue) queues.set(name, (queue = []));
      let entry!: (acquired: boolean) => void;
      const turn = new Promise<boolean>((resolve) => (entry = resolve));
      queue.push(entry);
      let timer: TimerHandle | undefined;
      if (queue.length === 1) entry(true);
      else timer = clock.setTimeout(() => entry(false), timeoutMs);
      const acquired = await turn;
      clock.clearTimeout(timer);
      // On timeout leave the queue at once; if we were promoted meanwhile, `leave` passes the lock on.
      if (!acquired) leave(name, queue, entry);
      try {
        return await fn(acquired);
      } finally {
        if (acquired) leave(name, queue, entry);
      }
    },
    mark(name) {
      marks.set(name, (marks.get(name) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (marks.get(name) ?? 1) - 1;
        if (left > 0) marks.set(name, left);
        else marks.delete(name);
      };
    },
    isMarked: async (name) => marks.has(name),
  };
}
