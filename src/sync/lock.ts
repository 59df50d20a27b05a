import { systemClock } from '../lifecycle/clock';
import type { Clock, TimerHandle } from '../lifecycle/clock';

export interface LockManager {
  /**
   * Runs `fn` holding the named lock. Waits at most `timeoutMs` to acquire; after that runs `fn`
   * WITHOUT the lock (acquired = false) so a stuck or dead holder can never block progress forever.
   * Never rejects because of the lock itself; rejects only with fn's error.
   */
  run<T>(name: string, timeoutMs: number, fn: (acquired: boolean) => Promise<T>): Promise<T>;
}

/** The subset of the Web Locks `LockManager` used here; `navigator.locks` fits. */
export interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive'; signal: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/** Web Locks (shared by every tab and worker of an origin); falls back to `localLock` when absent. */
export function webLocks(
  locks: LockManagerLike | undefined = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks,
  clock: Clock = systemClock,
): LockManager {
  if (!locks) return localLock(clock);
  return {
    async run(name, timeoutMs, fn) {
      const abort = new AbortController();
      const timer = clock.setTimeout(() => abort.abort(), timeoutMs);
      let granted = false;
      try {
        return await locks.request(name, { mode: 'exclusive', signal: abort.signal }, () => {
          granted = true;
          clock.clearTimeout(timer);
          return fn(true);
        });
      } catch (error) {
        if (granted) throw error;
        // Timed out (AbortError) or Web Locks unusable here: go on without the lock.
        clock.clearTimeout(timer);
        return fn(false);
      }
    },
  };
}

/**
 * In-process FIFO mutex per name with the same bounded wait. Share one instance between clients
 * of one process that use the same store.
 */
export function localLock(clock: Clock = systemClock): LockManager {
  const queues = new Map<string, Array<(acquired: boolean) => void>>();
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
  };
}
