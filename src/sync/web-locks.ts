import type { Clock } from '../lifecycle/clock';
import type { LockManager } from './lock';

type LockSnapshot = { held?: ReadonlyArray<{ name?: string | undefined }> | undefined };

/** The subset of the Web Locks `LockManager` used here; `navigator.locks` fits. */
export interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive' | 'shared'; signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
  query?(): Promise<LockSnapshot>;
}

/**
 * The `LockManager` over a Web Locks implementation (`navigator.locks`): what `webLocks()` returns where
 * Web Locks exist, and the client's default lock for a shared store. `queryTimeout` bounds `isMarked`.
 */
export function webLocksOn(locks: LockManagerLike, clock: Clock, queryTimeout = 1000): LockManager {
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

