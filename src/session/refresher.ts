import { DisposedError, NotAuthenticatedError, RefreshError, SessionEndedError, type EndReason } from '../errors';
import { isEndpointFailure, type EndpointFailure } from '../endpoint/failure';
import { refreshError } from '../endpoint/public-errors';
import type { TokenEndpoint } from '../endpoint/token-endpoint';
import type { Emitter, EventOrigin } from '../events';
import type { Clock } from '../lifecycle/clock';
import type { LockManager } from '../sync/lock';
import type { Note, RefreshReason } from '../diagnostics';
import { backoffDelay } from './backoff';
import type { Persistence } from './persistence';
import { createRefreshFlow, sameSession, type RefreshOutcome } from './refresh-flow';
import { sameSessionId, type TokenSet } from './token-set';

/** The coordinator's state machine, as the refresher sees it. */
export interface SessionCore {
  readonly tokens: TokenSet | null;
  /** Bumped by every logout, login and end: a refresh started in an older epoch never lands. */
  readonly epoch: number;
  /** The highest generation this client has seen. */
  readonly generation: number;
  readonly disposed: boolean;
  /** The session is (or was) in shared storage. */
  persisted: boolean;
  isDue(tokens: TokenSet): boolean;
  /** `kept`: only the refresh token changed (an unusable answer that rotated it); no event, no reset of the backoff. */
  commit(next: TokenSet, source: EventOrigin | 'kept', broadcast: boolean): void;
  end(reason: EndReason, origin: EventOrigin, error?: unknown): boolean;
  publish(cause: 'session:refreshing' | 'session:refresh-failed', refreshing: boolean): void;
  /** A write failed: the session goes on in memory (reported as `session:error`). */
  writeFailed(): void;
  /** Timers and broadcast after a failure (`none`) or a terminal end (`logout`). */
  onCommitted(tokens: TokenSet | null, kind: 'session' | 'none'): void;
  /** Another tab's login replaced this session: end it (`replaced`) and start `other` in its place. */
  replacedBy(other: TokenSet): void;
  /** The server asked every client to wait until `until` before the next refresh (tell the other tabs). */
  announceBackoff(until: number): void;
  /** A refresh of this session failed transiently at `at` (tell the other tabs). */
  announceFailure(at: number): void;
  /** This session may write into an empty store (see `RefreshContext.mayClaimEmpty`). */
  mayClaimEmpty(): boolean;
}

export interface RefresherOptions {
  endpoint: TokenEndpoint;
  persistence: Persistence;
  emitter: Emitter;
  clock: Clock;
  lock: LockManager | null;
  lockName: string;
  lockTimeout: number;
  /** Longest one token-endpoint call may take (ms). */
  callTimeout: number;
  backoff: { base: number; max: number };
  random: () => number;
  /** Diagnostics (`debug` option); `null` or absent: off. */
  note?: Note;
}

/**
 * The ONE in-flight refresh of a client and its failure policy: a terminal failure ends the session,
 * a transient one keeps it and backs off (`retryAt`), an outcome from an ended epoch never lands.
 */
export function createRefresher(core: SessionCore, options: RefresherOptions) {
  const { endpoint, persistence, emitter, clock } = options;
  const flow = createRefreshFlow(options);
  let inflight: Promise<TokenSet> | null = null;
  let inflightId = 0;
  let failures = 0;
  /** When the last transient failure came back: requests may probe again `backoff.base` after it. */
  let failedAt = 0;
  /** When another tab's refresh of this session last failed transiently. */
  let remoteFailedAt = Number.NEGATIVE_INFINITY;
  /** When the background timer (and `refresh()`) may try again after a transient failure. */
  let retryAt: number | null = null;
  /** The wait `retryAt` was set with: a device clock that went back since cannot stretch it. */
  let retryDelay = 0;
  /** A server-given `Retry-After` (here or in another tab): nothing is sent before it, on any path. */
  let serverRetryAt: number | null = null;
  /** `online` / resume skip the backoff once per failure streak: a flapping network cannot defeat it. */
  let backoffSkipped = false;
  let lastError: RefreshError | null = null;

  const now = () => clock.now();
  function clampClock(): void {
    // The device clock went back (NTP) since the failure: wait at most the backoff again, not hours.
    const t = now();
    if (retryAt !== null && retryAt - t > retryDelay) retryAt = t + retryDelay;
    if (failedAt > t) failedAt = t;
    if (remoteFailedAt > t) remoteFailedAt = t;
  }

function blockedUntil(purpose: 'request' | 'backoff'): number | null {
    clampClock();
    const t = now();
    const hard = serverRetryAt !== null && serverRetryAt > t ? serverRetryAt : null;
    const soft = retryAt === null ? 0 : purpose === 'request' ? Math.min(retryAt, failedAt + options.backoff.base) : retryAt;
    // Tabs share one endpoint: after another tab's failure, this one probes no sooner than `backoff.base` later.
    const until = Math.max(soft, remoteFailedAt + options.backoff.base, hard ?? 0);
    if (until <= t) return null;
    options.note?.({ type: 'refresh-skip', cause: until === hard ? 'retry-after' : 'backoff', until, purpose: purpose === 'request' ? 'request' : 'background' });
    return until;
  }

  function failed(error: unknown, startEpoch: number): never {
    if (startEpoch !== core.epoch || core.disposed) throw core.disposed ? new DisposedError() : new SessionEndedError('logout');
    const failure: EndpointFailure = isEndpointFailure(error) ? error.failure : { kind: 'transient', code: 'body', noResponse: false };
    const status = failure.status;
    if (failure.kind === 'terminal') {
      const ended = new SessionEndedError(failure.reason, { status });
      emitter.emit('session:refresh-failed', { retryable: false, attempt: failures + 1, code: ended.code, ...(status === undefined ? {} : { status }) });
      const spent = core.tokens;
      core.end(failure.reason, 'local', ended);
      // The flow already removed it from the store inside the lock; make sure (an unreadable store then), and tell the other tabs to re-read.
      void persistence
        .clearIf((stored) => stored.kind === 'session' && spent !== null && sameSessionId(stored.tokens.sessionId, spent.sessionId))
        .then(() => core.onCommitted(null, 'session'));
      throw ended;
    }
    failures++;
    failedAt = now();
    retryDelay = backoffDelay(failures, { ...options.backoff, random: options.random, retryAfterMs: failure.retryAfterMs });
    retryAt = failedAt + retryDelay;
    if (failure.retryAfterMs !== undefined) {
      // (The flow already told the other tabs, inside the lock.)
      serverRetryAt = Math.max(serverRetryAt ?? 0, failedAt + failure.retryAfterMs);
    }
    lastError = refreshError(error, failure, retryAt, options.endpoint.at.refresh);
    emitter.emit('session:refresh-failed', {
      retryable: true,
      attempt: failures,
      nextAttemptAt: retryAt,
      code: lastError.code,
      ...(status === undefined ? {} : { status }),
    });
    core.publish('session:refresh-failed', false);
    core.onCommitted(core.tokens, 'none');
    throw lastError;
  }

  /** Lands a refresh outcome in this client, unless its session ended meanwhile. */
  function settle(outcome: RefreshOutcome, startEpoch: number): TokenSet {
    if (outcome.kind === 'deferred') throw new RefreshError('Token refresh is backing off; it will be tried again later.', { retryAt: outcome.until });
    if (outcome.kind === 'ended' || outcome.kind === 'replaced') {
      // Another tab logged out, or signed in as someone else, while this one was refreshing.
      const orphan = outcome.orphan;
      if (orphan !== null && orphan.refreshToken !== null) void endpoint.revoke(orphan.refreshToken);
      if (outcome.kind === 'replaced') {
        if (startEpoch === core.epoch) {
          options.note?.({ type: 'adopt', kind: 'other-session', via: 'refresh', generation: outcome.tokens.generation });
          core.replacedBy(outcome.tokens);
        }
        throw new SessionEndedError('replaced');
      }
      if (startEpoch === core.epoch) core.end('remote', 'remote');
      throw new SessionEndedError('remote');
    }
    if (startEpoch !== core.epoch) {
      // A logout or a new login happened meanwhile: this result must not land. Undo its write, revoke it.
      if (outcome.kind === 'rotated') {
        const mine = outcome.tokens;
        if (outcome.write === 'saved') void persistence.clearIf((stored) => stored.kind === 'session' && sameSession(stored.tokens, mine));
        if (mine.refreshToken !== null) void endpoint.revoke(mine.refreshToken);
        // Cookie mode: the late answer set a fresh refresh cookie; while signed out, have the server clear it.
        else if (core.tokens === null) void endpoint.revoke(null);
      }
      throw new SessionEndedError('logout');
    }
    if (outcome.kind === 'adopted') {
      core.persisted = true;
      // Already committed (the other tab's broadcast came first): no second event.
      const current = core.tokens;
      if (current !== null && sameSession(current, outcome.tokens)) return current;
      options.note?.({ type: 'adopt', kind: 'newer', via: 'refresh', generation: outcome.tokens.generation });
      core.commit(outcome.tokens, 'remote', false);
      return outcome.tokens;
    }
    if (outcome.write === 'failed') core.writeFailed();
    else if (outcome.write === 'saved') core.persisted = true;
    core.commit(outcome.tokens, outcome.unusable === undefined ? 'local' : 'kept', true);
    // Kept, yet still a failed refresh (the caller below turns it into a retryable one).
    if (outcome.unusable !== undefined) throw outcome.unusable;
    return outcome.tokens;
  }

  /** The single-flight refresh: every caller, timer and 401 shares the promise. Callers check `blockedUntil` first. */
  function refresh(reason: RefreshReason = 'request'): Promise<TokenSet> {
    if (inflight !== null) {
      options.note?.({ type: 'refresh-join', reason, generation: core.generation });
      return inflight;
    }
    const current = core.tokens;
    if (current === null) return Promise.reject(new NotAuthenticatedError());
    options.note?.({ type: 'refresh-start', reason, generation: current.generation });
    const startEpoch = core.epoch;
    const id = ++inflightId;
    let deferral: RefreshError | null = null;
    const run = (async () => {
      try {
        const outcome = await flow.run({
          current,
          persisted: () => core.persisted,
          stillCurrent: () => startEpoch === core.epoch,
          disposed: () => core.disposed,
          isDue: core.isDue,
          generationFloor: () => core.generation,
          mayClaimEmpty: core.mayClaimEmpty,
          // Another tab's failure or Retry-After while this one waited for the lock holds it too.
          deferredUntil: () => blockedUntil('request'),
          failedAt: (at) => core.announceFailure(at),
          retryAfter(until) {
            serverRetryAt = Math.max(serverRetryAt ?? 0, until);
            core.announceBackoff(until);
          },
        });
        // Another tab was told to wait meanwhile: nothing was sent, and this is no new failure.
        if (outcome.kind === 'deferred') serverRetryAt = Math.max(serverRetryAt ?? 0, outcome.until);
        if (outcome.kind === 'deferred') throw (deferral = new RefreshError('Token refresh is backing off; it will be tried again later.', { retryAt: outcome.until }));
        return settle(outcome, startEpoch);
      } catch (error) {
        if (error === deferral || (error instanceof SessionEndedError && startEpoch !== core.epoch)) throw error;
        return failed(error, startEpoch);
      } finally {
        if (inflightId === id) {
          inflight = null;
          // The background timer sleeps while a refresh is in flight: its end re-arms it.
          if (!core.disposed) core.onCommitted(core.tokens, 'none');
        }
      }
    })();
    inflight = run;
    run.catch(() => undefined);
    core.publish('session:refreshing', true);
    return run;
  }

  function forget(): void {
    backoffSkipped = false;
    failures = 0;
    failedAt = 0;
    remoteFailedAt = Number.NEGATIVE_INFINITY;
    retryAt = null;
    lastError = null;
  }

  return {
    refresh,
    get inflight(): Promise<TokenSet> | null {
      return inflight;
    },
    /**
     * Before when no refresh may start for `purpose`, or `null`. A server's `Retry-After` holds every
     * path. After a transient failure, the background timer and `refresh()` wait out the backoff
     * (which grows up to `backoff.max`), while a request that needs a token may probe the endpoint
     * again `backoff.base` after the last failure: an outage costs about one call per second while
     * requests keep coming, and the first request after the endpoint recovers succeeds.
     */
    blockedUntil,
    /** When the background timer should try again after a failure; `null` when no failure is pending. */
    get retryAt(): number | null {
      clampClock();
      return retryAt === null ? null : Math.max(retryAt, serverRetryAt ?? 0);
    },
    /** A failure is pending (a retry is owed). */
    get failing(): boolean {
      return lastError !== null;
    },
    get lastError(): RefreshError | null {
      return lastError;
    },
    /** The error for a refresh that may not start yet (its `retryAt` says when it may). */
    backingOff(until: number): RefreshError {
      return lastError !== null && lastError.retryAt === until
        ? lastError
        : new RefreshError('Token refresh is backing off; it will be tried again later.', { retryAt: until, ...(lastError?.status === undefined ? {} : { status: lastError.status }) });
    },
    /**
     * `online` / resume: the backoff is skipped once per failure streak (never a server's `Retry-After`).
     * Returns whether a retry is owed now.
     */
    skipBackoff(): boolean {
      if (lastError === null) return false;
      if (!backoffSkipped && retryAt !== null) {
        backoffSkipped = true;
        retryAt = Math.min(retryAt, now());
        remoteFailedAt = Number.NEGATIVE_INFINITY;
      }
      return true;
    },
    /** Another tab's refresh of this session failed (transiently) at `at`: this tab probes no sooner either. */
    sawFailure(at: number): void {
      remoteFailedAt = Math.max(remoteFailedAt, at);
    },
    /** Another tab was told by the server to wait until `until`. */
    deferUntil(until: number): void {
      if (until > (serverRetryAt ?? 0)) serverRetryAt = until;
    },
    /** New tokens committed (here or by another tab): the server answers again, failures and its `Retry-After` are forgotten. */
    succeeded(): void {
      forget();
      serverRetryAt = null;
    },
    /** Releases what the refresh holds across calls (its lock mark). */
    dispose: flow.dispose,
    /** A new epoch: the refresh in flight is abandoned (it can no longer land) and failures are forgotten. */
    reset(): void {
      inflight = null;
      inflightId++;
      forget();
    },
  };
}

export type Refresher = ReturnType<typeof createRefresher>;
