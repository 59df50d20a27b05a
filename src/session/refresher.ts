import { DisposedError, NotAuthenticatedError, RefreshError, SessionEndedError } from '../errors';
import { isEndpointFailure, type EndpointFailure } from '../endpoint/failure';
import { refreshError } from '../endpoint/public-errors';
import type { Emitter } from '../events';
import type { RefreshReason } from '../diagnostics';
import { backoffDelay } from './backoff';
import type { Machine } from './machine';
import { createRefreshFlow, sameSession, type RefreshContext, type RefreshFlowOptions, type RefreshOutcome } from './refresh-flow';
import { backingOff, blockedUntil, retryAtOf, BACKING_OFF, type Purpose } from './retry-policy';
import { CALM, tokensOf, type Retry } from './state';
import { sameSessionId, type TokenSet } from './token-set';

export interface RefresherOptions extends RefreshFlowOptions {
  emitter: Emitter;
  backoff: { base: number; max: number };
}

/**
 * The ONE in-flight refresh of a client (single flight: every caller, timer and 401 of the session's
 * epoch shares its promise) and how its outcome lands: new tokens commit, a terminal failure ends the
 * session, a transient one keeps it and backs off, an outcome from an ended epoch never lands.
 */
export function createRefresher(machine: Machine, options: RefresherOptions) {
  const { endpoint, persistence, emitter } = options;
  const flow = createRefreshFlow(options);
  let inflight: Promise<TokenSet> | null = null;
  let inflightEpoch = -1;
  let inflightId = 0;

  const retryOf = (): Retry => {
    machine.dispatch({ type: 'clock-checked', now: machine.now() });
    const s = machine.read();
    return s.kind === 'active' ? s.retry : CALM;
  };
  /** The refresh in flight for the current session, or `null`. */
  const current = (): Promise<TokenSet> | null => (inflight !== null && inflightEpoch === machine.read().epoch ? inflight : null);

  /** Before when no refresh may start for `purpose` (see `retry-policy.ts`), or `null`. */
  function blocked(purpose: Purpose): number | null {
    const blocking = blockedUntil(retryOf(), machine.now(), purpose, options.backoff.base);
    if (blocking === null) return null;
    options.note?.({ type: 'refresh-skip', cause: blocking.cause, until: blocking.until, purpose: purpose === 'request' ? 'request' : 'background' });
    return blocking.until;
  }

  function failed(error: unknown, startEpoch: number): never {
    const s = machine.read();
    if (s.kind === 'disposed') throw new DisposedError();
    if (s.kind !== 'active' || startEpoch !== s.epoch) throw new SessionEndedError('logout');
    const failure: EndpointFailure = isEndpointFailure(error) ? error.failure : { kind: 'transient', code: 'body', noResponse: false };
    const { status } = failure;
    const attempt = s.retry.failures + 1;
    if (failure.kind === 'terminal') {
      const ended = new SessionEndedError(failure.reason, { status });
      emitter.emit('session:refresh-failed', { retryable: false, attempt, code: ended.code, ...(status === undefined ? {} : { status }) });
      const spent = s.tokens;
      machine.end(failure.reason, 'local', ended);
      // The flow already removed it from the store inside the lock; make sure (an unreadable store then), and tell the other tabs to re-read.
      void persistence
        .clearIf((stored) => stored.kind === 'session' && sameSessionId(stored.tokens.sessionId, spent.sessionId))
        .then(() => machine.changed(null, true, spent.sessionId));
      throw ended;
    }
    const at = machine.now();
    const delay = backoffDelay(attempt, { ...options.backoff, random: options.random, retryAfterMs: failure.retryAfterMs });
    const lastError = refreshError(error, failure, at + delay, endpoint.at.refresh);
    machine.dispatch({ type: 'refresh-failed', at, delay, retryAfterMs: failure.retryAfterMs, error: lastError });
    emitter.emit('session:refresh-failed', { retryable: true, attempt, nextAttemptAt: at + delay, code: lastError.code, ...(status === undefined ? {} : { status }) });
    machine.publish('session:refresh-failed');
    machine.changed(s.tokens, false);
    throw lastError;
  }

  /** Lands a refresh outcome in this client, unless its session ended meanwhile. */
  function settle(outcome: Exclude<RefreshOutcome, { kind: 'deferred' }>, startEpoch: number): TokenSet {
    const sameEpoch = startEpoch === machine.read().epoch;
    if (outcome.kind === 'ended' || outcome.kind === 'replaced') {
      // Another tab logged out, or signed in as someone else, while this one was refreshing.
      const orphan = outcome.orphan;
      if (orphan !== null && orphan.refreshToken !== null) void endpoint.revoke(orphan.refreshToken);
      if (outcome.kind === 'replaced') {
        if (sameEpoch) {
          options.note?.({ type: 'adopt', kind: 'other-session', via: 'refresh', generation: outcome.tokens.generation });
          machine.replace(outcome.tokens);
        }
        throw new SessionEndedError('replaced');
      }
      if (sameEpoch) machine.end('remote', 'remote');
      throw new SessionEndedError('remote');
    }
    if (!sameEpoch) {
      // A logout or a new login happened meanwhile: this result must not land. Undo its write, revoke it.
      if (outcome.kind === 'rotated') {
        const mine = outcome.tokens;
        if (outcome.write === 'saved') void persistence.clearIf((stored) => stored.kind === 'session' && sameSession(stored.tokens, mine));
        if (mine.refreshToken !== null) void endpoint.revoke(mine.refreshToken);
        // Cookie mode: the late answer set a fresh refresh cookie; while signed out, have the server clear it.
        else if (tokensOf(machine.read()) === null) void endpoint.revoke(null);
      }
      throw new SessionEndedError('logout');
    }
    if (outcome.kind === 'adopted') {
      // Already committed (the other tab's broadcast came first): no second event.
      const held = tokensOf(machine.read());
      if (held !== null && sameSession(held, outcome.tokens)) return held;
      options.note?.({ type: 'adopt', kind: 'newer', via: 'refresh', generation: outcome.tokens.generation });
      machine.refreshed(outcome.tokens, 'remote', 'saved', false);
      return outcome.tokens;
    }
    if (outcome.write === 'failed') machine.writeFailed();
    if (outcome.unusable === undefined) {
      machine.refreshed(outcome.tokens, 'local', outcome.write, true);
      return outcome.tokens;
    }
    // Kept, yet still a failed refresh (the caller below turns it into a retryable one).
    machine.kept(outcome.tokens, outcome.write);
    throw outcome.unusable;
  }

  /** What the flow asks about the session it refreshes, at the moment it matters. */
  const contextFor = (start: TokenSet, startEpoch: number): RefreshContext => ({
    current: start,
    persisted: () => {
      const s = machine.read();
      return s.kind === 'active' && s.persisted;
    },
    stillCurrent: () => machine.read().epoch === startEpoch,
    disposed: () => machine.read().kind === 'disposed',
    isDue: machine.isDue,
    generationFloor: () => machine.read().seen,
    mayClaimEmpty: machine.mayClaimEmpty,
    // Another tab's failure or Retry-After while this one waited for the lock holds it too.
    deferredUntil: () => blocked('request'),
    failedAt: (at) => machine.announce('failed', at),
    retryAfter(until) {
      machine.dispatch({ type: 'retry-after', until });
      machine.announce('backoff', until);
    },
  });

  /** The single-flight refresh: every caller, timer and 401 shares the promise. Callers check `blocked` first. */
  function refresh(reason: RefreshReason = 'request'): Promise<TokenSet> {
    const s = machine.read();
    const joined = current();
    if (joined !== null) {
      options.note?.({ type: 'refresh-join', reason, generation: s.seen });
      return joined;
    }
    if (s.kind !== 'active') return Promise.reject(new NotAuthenticatedError());
    options.note?.({ type: 'refresh-start', reason, generation: s.tokens.generation });
    const startEpoch = s.epoch;
    const id = ++inflightId;
    let deferral: RefreshError | null = null;
    const run = (async () => {
      try {
        const outcome = await flow.run(contextFor(s.tokens, startEpoch));
        if (outcome.kind !== 'deferred') return settle(outcome, startEpoch);
        // Another tab was told to wait meanwhile: nothing was sent, and this is no new failure.
        machine.dispatch({ type: 'retry-after', until: outcome.until });
        throw (deferral = new RefreshError(BACKING_OFF, { retryAt: outcome.until }));
      } catch (error) {
        if (error === deferral || (error instanceof SessionEndedError && startEpoch !== machine.read().epoch)) throw error;
        return failed(error, startEpoch);
      } finally {
        if (inflightId === id) {
          inflight = null;
          // The background timer sleeps while a refresh is in flight: its end re-arms it.
          if (machine.read().epoch === startEpoch) {
            machine.dispatch({ type: 'refresh-settled' });
            machine.changed(tokensOf(machine.read()), false);
          }
        }
      }
    })();
    inflight = run;
    inflightEpoch = startEpoch;
    run.catch(() => undefined);
    machine.dispatch({ type: 'refresh-started' });
    machine.publish('session:refreshing');
    return run;
  }

  return {
    refresh,
    current,
    blocked,
    /** When the background timer should try again after a failure; `null` when no failure is pending. */
    retryAt: (): number | null => retryAtOf(retryOf()),
    /** A failure is pending (a retry is owed). */
    failing: (): boolean => retryOf().error !== null,
    /** The error for a refresh that may not start before `until`. */
    backingOff: (until: number): RefreshError => backingOff(retryOf(), until),
    /** `online` / resume: the backoff is skipped once per failure streak (never a server's `Retry-After`). Whether a retry is owed. */
    skipBackoff(): boolean {
      if (retryOf().error === null) return false;
      machine.dispatch({ type: 'backoff-skipped', now: machine.now() });
      return true;
    },
    /** Releases what the refresh holds across calls (its lock mark). */
    dispose: flow.dispose,
  };
}

export type Refresher = ReturnType<typeof createRefresher>;
