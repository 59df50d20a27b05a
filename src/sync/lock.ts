import { systemClock } from '../lifecycle/clock';
import type { Clock, TimerHandle } from '../lifecycle/clock';

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

type LockSnapshot = { held?: ReadonlyArray<{ name?: string | undefined }> | undefined };

/** The subset of the Web Locks `LockManager` used here; `navigator.locks` fits. */
export interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive' | 'shared'; signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
  query?(): Promise<LockSnapshot>;
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
  if (!locks) return localLock(clock);
  return {
    async run<T>(name: string, timeoutMs: number, fn: (acquired: boolean) => Promise<T>): Promise<T> {
      const abort = new AbortController();
      /** 0 waiting, 1 granted, 2 gave up. */
      let state = 0;
      let giveUp!: (value: null) => void;
      // The wait is bounded here, not by the implementation honouring `signal`: a request that never
      // settles (a buggy or deadlocked lock manager) still lets the caller go on after `timeoutMs`.
      const gaveUp = new Promise<null>((resolve) => (giveUp = resolve));
      const timer = clock.setTimeout(() => {
        if (state) return;
        state = 2;
        giveUp(null);
        abort.abort();
      }, timeoutMs);
      // `new Promise` turns a request that throws at once into a failed one.
      const request = new Promise<T>((resolve) =>
        resolve(
          locks.request(name, { mode: 'exclusive', signal: abort.signal }, async () => {
            // Granted after the caller stopped waiting: release at once.
            if (state) return undefined as T;
            state = 1;
            clock.clearTimeout(timer);
            return fn(true);
          }),
        ),
      ).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const first = await Promise.race([request, gaveUp]);
      if (first === null) return fn(false);
      if ('value' in first) return first.value;
      if (state === 1) throw first.error;
      // Aborted or Web Locks unusable here: go on without the lock.
      state = 2;
      clock.clearTimeout(timer);
      return fn(false);
    },
    // A mark is a shared Web Lock held until released: `query()` sees it from every tab, in order
    // with the exclusive lock's hand-over, and the browser drops it when its tab goes away.
    mark(name) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Web Locks unusable here (the request throws or fails): no mark, the storage re-read still applies.
      new Promise((resolve) => resolve(locks.request(name, { mode: 'shared' }, () => held))).catch(() => undefined);
      return release;
    },
    // A `query()` that has not answered within `queryTimeout` counts as "marked": the caller then waits for its view
    // of the store to catch up (bounded by its own limit) rather than risk posting a token another tab may have just
    // spent, which would revoke the whole token family and sign every tab out. A `query()` that fails or is missing
    // says marks are not available here: "not marked", as for a lock without marks (the storage re-read still applies).
    isMarked: (name) =>
      new Promise<boolean>((resolve) => {
        const timer = clock.setTimeout(() => resolve(true), queryTimeout);
        const answer = (marked: boolean) => {
          clock.clearTimeout(timer);
          resolve(marked);
        };
        new Promise<LockSnapshot | undefined>((query) => query(locks.query?.()))
          .then((state) => state?.held?.some((lock) => lock.name === name) === true)
          .then(answer, () => answer(false));
      }),
  };
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
