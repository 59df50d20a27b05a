export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Largest delay setTimeout honours; longer ones fire immediately in browsers and Node. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Clamps a delay to [0, MAX_TIMER_MS]; NaN becomes MAX_TIMER_MS so a bad input never spins. */
export const clampDelay = (ms: number): number =>
  ms !== ms ? MAX_TIMER_MS : Math.min(Math.max(ms, 0), MAX_TIMER_MS);

/**
 * Marks a background timer (the proactive refresh, a revocation retry) as not keeping a Node, Deno or
 * Bun process alive on its own: a script that signed in exits when its own work is done, without
 * `dispose()`. A no-op where handles have no `unref` (browsers, React Native, a custom clock's numbers).
 * Timers that bound work a caller awaits (a call's timeout, a storage or lock wait) stay referenced.
 */
export function unrefTimer(handle: TimerHandle): TimerHandle {
  const unref = (handle as { unref?: unknown } | null)?.unref;
  if (typeof unref === 'function') unref.call(handle);
  return handle;
}

/** Reads Date.now / setTimeout from globalThis at call time, so fake timers and late polyfills work. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => globalThis.setTimeout(fn, clampDelay(ms)),
  clearTimeout: (handle: TimerHandle): void =>
    globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
});
