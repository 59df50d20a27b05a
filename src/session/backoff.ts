/** Exponential backoff with jitter in [50 %, 100 %) of the step, never below 250 ms, `Retry-After` honoured. */
export function backoffDelay(attempt: number, options: { base: number; max: number; random: () => number; retryAfterMs?: number | undefined }): number {
  const step = Math.min(options.max, options.base * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jittered = step * (0.5 + 0.5 * Math.min(Math.max(options.random(), 0), 0.999_999));
  const floor = Math.min(options.retryAfterMs ?? 0, 86_400_000);
  return Math.max(250, jittered, floor);
}
