/** Shortest wait between two automatic attempts: never a 0 ms spin. */
export const MIN_BACKOFF_MS = 250;
/** Longest honoured `Retry-After` (one day). */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Exponential backoff with jitter in [50 %, 100 %) of the step (the step doubles per attempt up to
 * `max`), never below 250 ms, `Retry-After` honoured up to a day. A broken `random` (NaN, out of
 * range) cannot produce a NaN or negative delay.
 */
export function backoffDelay(attempt: number, options: { base: number; max: number; random: () => number; retryAfterMs?: number | undefined }): number {
  const n = Number.isFinite(attempt) ? Math.min(30, Math.max(0, Math.floor(attempt) - 1)) : 0;
  const step = Math.min(options.max, options.base * 2 ** n);
  const r = options.random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 0.999_999) : 0.5;
  const jittered = step * (0.5 + 0.5 * unit);
  const after = options.retryAfterMs;
  const floor = after !== undefined && Number.isFinite(after) ? Math.min(Math.max(after, 0), MAX_RETRY_AFTER_MS) : 0;
  return Math.max(MIN_BACKOFF_MS, Number.isFinite(jittered) ? jittered : options.max, floor);
}
