import { DisposedError, NotAuthenticatedError, RefreshError, SessionEndedError, type EndReason } from '../errors';
import { isEndpointFailure, type EndpointFailure } from '../endpoint/failure';
import { refreshError } from '../endpoint/public-errors';
import type { TokenEndpoint } from '../endpoint/token-endpoint';
import type { Emitter, EventOrigin } from '../events';
import type { Clock } from '../lifecycle/clock';
import type { LockManager } from '../sync/lock';
import { backoffDelay } from './backoff';
import type { Persistence } from './persistence';
import { createRefreshFlow, sameSession, type RefreshOutcome } from './refresh-flow';
import type { TokenSet } from './token-set';

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
  onCommitted(tokens: TokenSet | null, kind: 'logout' | 'none'): void;
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
}

/**
 * The ONE in-flight refresh of a client and its failure policy: a terminal failure ends the session,
 * a transient one keeps it and backs off (`retryAt`), an outcome from an ended epoch never lands.
 */
export function createRefresher(core: SessionCore, options: RefresherOptions) {
  const { endpoint, persistence, emitter } = options;
  const flow = createRefreshFlow(options);
  let inflight: Promise<TokenSet> | null = null;
  let inflightId = 0;
  let failures = 0;
  let retryAt: number | null = null;
  /** The wait `retryAt` was set with: a device clock that went back since cannot stretch it. */
  let retryDelay = 0;
  /** `online` skips the backoff once per failure streak: a flapping network cannot defeat it. */
  let backoffSkipped = false;
  let lastError: RefreshError | null = null;

  function failed(error: unknown, startEpoch: number): never {
    if (startEpoch !== core.epoch || core.disposed) throw core.disposed ? new DisposedError() : new SessionEndedError('logout');
    const failure: EndpointFailure = isEndpointFailure(error) ? error.failure : { kind: 'transient', code: 'body', noResponse: false };
    const status = failure.status;
    if (failure.kind === 'terminal') {
      const ended = new SessionEndedError(failure.reason, { status });
      emitter.emit('session:refresh-failed', { retryable: false, attempt: failures + 1, code: ended.code, ...(status === undefined ? {} : { status }) });
      core.end(failure.reason, 'local', ended);
      void persistence.clear().then(() => core.onCommitted(null, 'logout'));
      throw ended;
    }
    failures++;
    retryDelay = backoffDelay(failures, { ...options.backoff, random: options.random, retryAfterMs: failure.retryAfterMs });
    retryAt = options.clock.now() + retryDelay;
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
    if (outcome.kind === 'ended') {
      // Another tab logged out while this one was refreshing.
      if (startEpoch === core.epoch) core.end('remote', 'remote');
      if (outcome.orphan !== null && outcome.orphan.refreshToken !== null) void endpoint.revoke(outcome.orphan.refreshToken);
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

  /** The single-flight refresh: every caller, timer and 401 shares the promise. */
  function refresh(): Promise<TokenSet> {
    if (inflight !== null) return inflight;
    const current = core.tokens;
    if (current === null) return Promise.reject(new NotAuthenticatedError());
    const startEpoch = core.epoch;
    const id = ++inflightId;
    const run = (async () => {
      try {
        const outcome = await flow.run({
          current,
          persisted: () => core.persisted,
          stillCurrent: () => startEpoch === core.epoch,
          disposed: () => core.disposed,
          isDue: core.isDue,
          generationFloor: () => core.generation,
        });
        return settle(outcome, startEpoch);
      } catch (error) {
        if (error instanceof SessionEndedError && startEpoch !== core.epoch) throw error;
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

  return {
    refresh,
    get inflight(): Promise<TokenSet> | null {
      return inflight;
    },
    /** When the next automatic attempt after a transient failure may start; `null` when not backing off. */
    get retryAt(): number | null {
      // The device clock went back (NTP) since the failure: wait at most the backoff again, not hours.
      const now = options.clock.now();
      if (retryAt !== null && retryAt - now > retryDelay) retryAt = now + retryDelay;
      return retryAt;
    },
    get lastError(): RefreshError | null {
      return lastError;
    },
    /** Forgets the backoff (an `online` signal retries at once). */
    skipBackoff(): void {
      if (backoffSkipped) return;
      backoffSkipped = true;
      retryAt = null;
    },
    /** New tokens committed: failures are forgotten. */
    succeeded(): void {
      backoffSkipped = false;
      failures = 0;
      retryAt = null;
      lastError = null;
    },
    /** Releases what the refresh holds across calls (its lock mark). */
    dispose: flow.dispose,
    /** A new epoch: the refresh in flight is abandoned (it can no longer land) and failures are forgotten. */
    reset(): void {
      inflight = null;
      inflightId++;
      backoffSkipped = false;
      failures = 0;
      retryAt = null;
      lastError = null;
    },
  };
}

export type Refresher = ReturnType<typeof createRefresher>;
