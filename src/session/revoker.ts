import { describeFailure, type EndpointFailure } from '../endpoint/failure';
import type { RevokeOutcome } from '../endpoint/token-endpoint';
import type { AuthEvents } from '../events';
import type { Clock, TimerHandle } from '../lifecycle/clock';
import { clampDelay, unrefTimer } from '../lifecycle/clock';
import { backoffDelay } from './backoff';

export interface RevokerOptions {
  attempt: (refreshToken: string | null) => Promise<RevokeOutcome>;
  clock: Clock;
  backoff: { base: number; max: number };
  random: () => number;
  onError: (error: AuthEvents['session:error']) => void;
  /** Attempts in all, the first included. @default 4 */
  maxAttempts?: number;
}

/**
 * Best-effort revocation (RFC 7009) that never blocks a logout. The returned promise settles with the
 * first attempt: `true` when the server confirmed. A transient failure (network, timeout, 5xx, 408,
 * 429) is retried in the background with backoff, a bounded number of times; giving up, or a refusal,
 * surfaces as one `session:error` with operation `revoke`. `dispose()` cancels pending retries.
 */
export function createRevoker(options: RevokerOptions) {
  const maxAttempts = options.maxAttempts ?? 4;
  const timers = new Set<TimerHandle>();
  let disposed = false;

  function report(code: string, message: string, failure: EndpointFailure | undefined): void {
    if (!disposed) options.onError({ operation: 'revoke', code, message, ...(failure?.cause === undefined ? {} : { cause: failure.cause }) });
  }

  async function run(refreshToken: string | null, attempt: number): Promise<boolean> {
    const outcome = await options.attempt(refreshToken).catch((): RevokeOutcome => ({ kind: 'retry' }));
    if (outcome.kind === 'done') return true;
    const { failure } = outcome;
    const at = failure?.at === undefined ? '' : ` at ${failure.at}`;
    if (outcome.kind === 'rejected') {
      report('revoke-rejected', `The server refused to revoke the refresh token${at}: ${failure === undefined ? outcome.reason : describeFailure(failure)}.`, failure);
      return false;
    }
    if (disposed) return false;
    if (attempt >= maxAttempts) {
      const last = failure === undefined ? '' : ` (last: ${describeFailure(failure)})`;
      report('revoke-failed', `Could not revoke the refresh token${at} after ${attempt} attempts${last}; it stays valid at the server until it expires.`, failure);
      return false;
    }
    const delay = backoffDelay(attempt, { ...options.backoff, random: options.random, retryAfterMs: outcome.retryAfterMs });
    // Best effort in the background: a retry alone never keeps a process alive (a script that logged out exits).
    const timer = unrefTimer(
      options.clock.setTimeout(() => {
        timers.delete(timer);
        void run(refreshToken, attempt + 1);
      }, clampDelay(delay)),
    );
    timers.add(timer);
    return false;
  }

  return {
    revoke: (refreshToken: string | null): Promise<boolean> => run(refreshToken, 1),
    dispose(): void {
      disposed = true;
      for (const timer of timers) options.clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
