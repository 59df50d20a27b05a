import { SessionEndedError, type EndReason } from '../errors';
import type { AuthEvents, Emitter, EventOrigin, StartSource } from '../events';
import type { Clock } from '../lifecycle/clock';
import type { Note } from '../diagnostics';
import type { OutgoingMessage } from '../sync/messages';
import { createEpochs } from './epochs';
import { createWaiters } from './guard';
import { LOADING, type SessionSnapshot } from './snapshot';
import { LOADING_STATE, reduce, tokensOf, type Action, type SessionState, type Write } from './state';
import { decodeClaims, refreshDueAt, type TokenSet } from './token-set';

export interface MachineOptions {
  emitter: Emitter;
  clock: Clock;
  margin: (lifetimeMs: number) => number;
  /** Cookie mode or a custom refresh: a session without a refresh token can still be refreshed. */
  refreshesWithoutToken?: boolean;
  /** Re-arms the background timer (after every change of session or backoff). */
  schedule: () => void;
  /** Tells the other tabs and instances sharing the store. */
  broadcast: (message: OutgoingMessage) => void;
  /** Best-effort revocation (never awaited). */
  revoke: (refreshToken: string | null) => Promise<boolean>;
  note?: Note;
}

type Change = AuthEvents['session:change']['cause'];

/**
 * The session state machine of one client: the state, the one `dispatch` every transition goes
 * through (a pure reducer, `state.ts`), and the transitions' side effects, named for what happens
 * (events, the snapshot, timers, broadcasts). A new epoch settles the old one's waiters.
 */
export function createMachine(options: MachineOptions) {
  const { emitter, clock } = options;
  let state: SessionState = LOADING_STATE;
  let snapshot: SessionSnapshot = LOADING;
  const epochs = createEpochs();
  const waiters = createWaiters();
  const now = () => clock.now();
  const live = () => state.kind !== 'disposed';

  function dispatch(action: Action): void {
    const before = state;
    state = reduce(before, action);
    if (state === before) return;
    // A new epoch: waiters of the old one get its cause, and nothing of it can land any more.
    if (state.epoch !== before.epoch && (action.type === 'ended' || action.type === 'superseded')) {
      epochs.began(state.epoch, action.cause);
      waiters.rejectAll(action.cause);
    }
    const t = tokensOf(state);
    if (t !== null && t !== tokensOf(before)) epochs.adopt(t, state.epoch);
  }

  /**
   * An access token without a refresh token (none issued) cannot be renewed ahead of time: it is
   * "due" only once expired, and that "refresh" sends nothing and ends the session (`expired`).
   */
  const dueAt = (t: TokenSet) =>
    t.refreshToken === null && t.accessToken !== null && options.refreshesWithoutToken !== true ? t.expiresAt : refreshDueAt(t, options.margin);
  const isDue = (t: TokenSet) => {
    const at = dueAt(t);
    return at !== null && now() >= at;
  };

  function publish(cause: Change): void {
    const s = state;
    const t = tokensOf(s);
    snapshot = Object.freeze({
      status: t !== null ? 'authenticated' : s.kind === 'loading' ? 'loading' : 'unauthenticated',
      expiresAt: t?.expiresAt ?? null,
      claims: t?.claims ?? null,
      generation: t?.generation ?? snapshot.generation,
      refreshing: s.kind === 'active' && s.refreshing,
      scope: t?.scope ?? null,
      user: t?.idToken === undefined ? null : decodeClaims(t.idToken),
    });
    if (live()) emitter.emit('session:change', { session: snapshot, cause });
  }

  /** Re-arms the timer; `tell`: the store changed, the other tabs re-read it (`sid` names the session). */
  function changed(about: TokenSet | null, tell: boolean, sid: string | null = about?.sessionId ?? null): void {
    if (!live()) return;
    options.schedule();
    if (tell) options.broadcast({ type: 'session', generation: Math.max(1, about?.generation ?? state.seen), sid });
  }

  /** A session starts here (`write`: whether the store holds it). */
  function started(tokens: TokenSet, source: StartSource, write: Write, tell: boolean): void {
    dispatch({ type: 'started', tokens, source, at: now(), write });
    if (tokensOf(state) !== tokens) return;
    emitter.emit('session:start', { generation: tokens.generation, expiresAt: tokens.expiresAt, source });
    publish('session:start');
    changed(tokens, tell);
  }

  /** New tokens of this session, from this client's refresh (`local`) or another tab's (`remote`). */
  function refreshed(tokens: TokenSet, origin: EventOrigin, write: Write, tell: boolean): void {
    dispatch({ type: 'refreshed', tokens, write });
    if (tokensOf(state) !== tokens) return;
    emitter.emit('session:refresh', { generation: tokens.generation, expiresAt: tokens.expiresAt, origin });
    publish('session:refresh');
    changed(tokens, tell);
  }

  /** Only the refresh token changed: stored and told, no event (the failure follows). */
  function kept(tokens: TokenSet, write: Write): void {
    dispatch({ type: 'kept', tokens, write });
    if (tokensOf(state) === tokens) changed(tokens, true);
  }

  /** Ends the current session once; `false` when there was none. */
  function end(reason: EndReason, origin: EventOrigin, error: unknown = new SessionEndedError(reason)): boolean {
    if (state.kind !== 'active') return false;
    dispatch({ type: 'ended', cause: error });
    emitter.emit('session:end', { reason, origin });
    publish('session:end');
    // A signed-out client holds no timer (a remote logout ends it here, not through a local commit).
    changed(null, false);
    return true;
  }

  /** Another tab's login replaced this session (or started one while this client is signed out): `other` starts here. */
  function replace(other: TokenSet): void {
    const s = state;
    // Nobody else knows a session that never reached the store: its grant would outlive it.
    if (s.kind === 'active' && !s.persisted && s.tokens.refreshToken !== null) void options.revoke(s.tokens.refreshToken);
    if (!end('replaced', 'remote')) dispatch({ type: 'superseded', cause: new SessionEndedError('replaced') });
    started(other, 'remote', 'saved', false);
  }

  /** This client signed out (`ended`: the session it ended, named to the other tabs): everywhere else follows. */
  function loggedOut(ended: TokenSet | null): void {
    if (live()) options.schedule();
    // Told even when disposed meanwhile: the logout the user asked for still reaches the others.
    options.broadcast({ type: 'logout', generation: Math.max(1, state.seen), sid: ended?.sessionId ?? null, at: now() });
  }

  /** A write failed: the store no longer holds this session (its key was removed); it goes on in memory. */
  function writeFailed(): void {
    options.note?.({ type: 'storage-fallback', operation: 'write' });
    if (live()) emitter.emit('session:error', { operation: 'storage-write', code: 'storage', message: 'Could not persist the session; it continues in memory.' });
  }

  /**
   * Tells the other tabs about the refresh of this session (or of `about`): it failed at `at`, the server
   * asked to wait `until`, or refused the refresh token with fingerprint `fp` for good (never the token).
   */
  function announce(message: { type: 'failed'; at: number } | { type: 'backoff'; until: number } | { type: 'spent'; fp: string }, about = tokensOf(state)): void {
    if (about !== null) options.broadcast({ ...message, generation: Math.max(1, about.generation), sid: about.sessionId });
  }

  return {
    /** The state now: read it again after every `await`. */
    read: (): SessionState => state,
    get snapshot(): SessionSnapshot {
      return snapshot;
    },
    dispatch,
    epochs,
    waiters,
    now,
    dueAt,
    isDue,
    publish,
    changed,
    started,
    refreshed,
    kept,
    end,
    replace,
    loggedOut,
    writeFailed,
    announce,
    /**
     * Whether a refresh may write into an empty store. An empty store is nobody's session: only a
     * session that began from a refresh key, or whose own write failed, and that was never stored since
     * may claim it (a session another tab logged out stays out).
     */
    mayClaimEmpty(): boolean {
      const s = state;
      return s.kind === 'active' && !s.persisted && (s.ownsEmptyStore || s.since.source === 'refresh-key');
    },
  };
}

export type Machine = ReturnType<typeof createMachine>;
