import { RefreshError } from '../errors';
import type { Retry } from './state';

/** Who asks: a request that needs a token, or the background timer and `refresh()`. */
export type Purpose = 'request' | 'backoff';

/**
 * Before when no refresh may start for `purpose` (`retry` already checked against the clock), or
 * `null`. A server's `Retry-After` holds every path. After a transient failure, the background timer
 * and `refresh()` wait out the backoff (which grows up to `backoff.max`), while a request that needs a
 * token may probe the endpoint again `base` after the last failure: an outage costs about one call
 * per second while requests keep coming, and the first request after the endpoint recovers succeeds.
 * Tabs share one endpoint: after another tab's failure, this one probes no sooner than `base` later.
 */
export function blockedUntil(r: Retry, now: number, purpose: Purpose, base: number): { until: number; cause: 'backoff' | 'retry-after' } | null {
  const hard = r.serverRetryAt !== null && r.serverRetryAt > now ? r.serverRetryAt : null;
  const soft = r.retryAt === null ? 0 : purpose === 'request' ? Math.min(r.retryAt, r.failedAt + base) : r.retryAt;
  const until = Math.max(soft, r.remoteFailedAt + base, hard ?? 0);
  return until <= now ? null : { until, cause: until === hard ? 'retry-after' : 'backoff' };
}

/** When the background timer should try again after a failure; `null` when no failure is pending. */
export const retryAtOf = (r: Retry): number | null => (r.retryAt === null ? null : Math.max(r.retryAt, r.serverRetryAt ?? 0));

export const BACKING_OFF = 'Token refresh is backing off; it will be tried again later.';

/** The error for a refresh that may not start before `until` (the pending failure's, when it says the same). */
export function backingOff(r: Retry, until: number): RefreshError {
  const last = r.error;
  return last !== null && last.retryAt === until ? last : new RefreshError(BACKING_OFF, { retryAt: until, ...(last?.status === undefined ? {} : { status: last.status }) });
}
