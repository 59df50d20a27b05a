import { DisposedError, NotAuthenticatedError, RefreshError, SessionEndedError } from '../errors';
import type { EndReason } from '../errors';
import type { EndpointResult } from '../endpoint/token-endpoint';
import type { AuthEvents, EventOrigin, StartSource } from '../events';
import type { OutgoingMessage } from '../sync/messages';
import { createCookieResume } from './cookie-resume';
import { createEpochs } from './epochs';
import { createIntents } from './intents';
import { createWaiters } from './guard';
import { loginError } from './login-error';
import type { Persistence } from './persistence';
import { createRefresher, type RefresherOptions, type SessionCore } from './refresher';
import { createRequestGate } from './request-gate';
import { createStorageSync, type SyncCore } from './storage-sync';
import { LOADING, type SessionSnapshot } from './snapshot';
import { decodeClaims, derivedSessionId, idTokenOf, loginTokenSet, refreshDueAt, sameSessionId, type TokenSet } from './token-set';

export interface CoordinatorOptions extends RefresherOptions {
  margin: (lifetimeMs: number) => number;
  /** The scope requested on login (an answer without `scope` granted it). */
  scope?: string | null;
  /** A pre-issued refresh key to start from when storage holds no session. */
  refreshKey: string | null;
  /** Cookie mode or a custom refresh: a session without a refresh token can still be refreshed. */
  refreshesWithoutToken?: boolean;
  /** Re-arms the background timer (after every change of session or backoff). */
  schedule: () => void;
  /** Tells the other tabs and instances sharing the store. */
  broadcast: (message: OutgoingMessage) => void;
  /** Cookie mode: with no stored session, start-up (and `refresh()` while signed out) tries the HttpOnly refresh cookie. */
  resumeFromCookie?: boolean;
}

type Change = AuthEvents['session:change']['cause'];

/** A token answer that starts a session; `idToken` only once its claims were checked. */
export type StartResult = EndpointResult & { idToken?: string };

/**
 * Owns the session state machine and the ONE in-flight refresh of a client. The proactive timer,
 * 401s, `refresh()`, resume and other tabs all go through `refresh()`; every token set carries a
 * generation and a session id, and every session an epoch, so nothing from an older session can
 * land in a newer one.
 */
export function createCoordinator(options: CoordinatorOptions) {
  const { endpoint, persistence, emitter, clock } = options;
  const waiters = createWaiters();
  let tokens: TokenSet | null = null;
  let snapshot: SessionSnapshot = LOADING;
  const epochs = createEpochs();
  let persisted = false;
  /** Generation at which the current session started here, when, and how. */
  let startGeneration = 0;
  let startedAt = 0;
  let startSource: StartSource | 'local' = 'storage';
  /** The highest generation seen in the store or a broadcast: a new session is numbered above it. */
  let seenGeneration = 0;
  const intents = createIntents();
  /** A login is writing its session: storage changes meanwhile are its own, or settled after it. */
  let starting = 0;
  let hydrated = false;
  let disposed = false;
  /** The session that ended last here (a logout names it to the other tabs). */
  let lastEnded: TokenSet | null = null;

  const now = () => clock.now();
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

  function publish(cause: Change, refreshing = refresher.inflight !== null): void {
    const t = tokens;
    snapshot = Object.freeze({
      status: t === null ? (hydrated ? 'unauthenticated' : 'loading') : 'authenticated',
      expiresAt: t?.expiresAt ?? null,
      claims: t?.claims ?? null,
      generation: t?.generation ?? snapshot.generation,
      refreshing: t !== null && refreshing,
      scope: t?.scope ?? null,
      user: t?.idToken === undefined ? null : decodeClaims(t.idToken),
    });
    if (!disposed) emitter.emit('session:change', { session: snapshot, cause });
  }

  /** Starts a new epoch: waiters of the old session get `error`, its refresh can no longer commit. */
  function newEpoch(error: unknown): void {
    epochs.next(error);
    refresher.reset();
    waiters.rejectAll(error);
  }

  /**
   * The store is empty because this client's own write failed (it removed the key), and no other
   * context has touched the store since: only then may this session write into an empty store.
   */
  let ownsEmptyStore = false;

  /** A write failed: the store no longer holds this session (its key was removed); it goes on in memory. */
  function writeFailed(): void {
    persisted = false;
    ownsEmptyStore = true;
    options.note?.({ type: 'storage-fallback', operation: 'write' });
    if (!disposed) emitter.emit('session:error', { operation: 'storage-write', code: 'storage', message: 'Could not persist the session; it continues in memory.' });
  }

  /** Timers and broadcast: `session` (the store changed: re-read it), `logout` (sign out everywhere). */
  function onCommitted(next: TokenSet | null, kind: 'session' | 'logout' | 'none'): void {
    if (disposed) return;
    options.schedule();
    if (kind === 'session') options.broadcast({ type: 'session', generation: Math.max(1, next?.generation ?? core.generation), sid: next?.sessionId ?? lastEnded?.sessionId ?? null });
    else if (kind === 'logout') options.broadcast({ type: 'logout', generation: Math.max(1, core.generation), sid: lastEnded?.sessionId ?? null, at: now() });
  }

  /** Commits a token set; `source` says which event it is. */
  function commit(next: TokenSet, source: StartSource | 'kept' | EventOrigin, broadcast: boolean): void {
    const wasSignedIn = tokens !== null;
    if (!wasSignedIn) {
      startGeneration = next.generation;
      startedAt = now();
      startSource = source === 'kept' ? 'local' : source;
    }
    seenGeneration = Math.max(seenGeneration, next.generation);
    tokens = next;
    epochs.adopt(next);
    if (source === 'kept') return onCommitted(next, broadcast ? 'session' : 'none');
    refresher.succeeded();
    if (disposed) return;
    if (wasSignedIn && (source === 'local' || source === 'remote')) {
      emitter.emit('session:refresh', { generation: next.generation, expiresAt: next.expiresAt, origin: source });
      publish('session:refresh', false);
    } else {
      const start = source === 'local' ? 'remote' : source;
      emitter.emit('session:start', { generation: next.generation, expiresAt: next.expiresAt, source: start });
      publish('session:start', false);
    }
    onCommitted(next, broadcast ? 'session' : 'none');
  }

  /** Ends the current session once; later calls are no-ops. */
  function end(reason: EndReason, origin: EventOrigin, error: unknown = new SessionEndedError(reason)): boolean {
    if (tokens === null) return false;
    lastEnded = tokens;
    tokens = null;
    ownsEmptyStore = false;
    newEpoch(error);
    if (!disposed) {
      emitter.emit('session:end', { reason, origin });
      publish('session:end', false);
      // A signed-out client holds no timer (a remote logout ends it here, not through a local commit).
      onCommitted(null, 'none');
    }
    return true;
  }

  /** A login answer that must not land (a logout, a newer login or dispose came after it began): what it minted is revoked. */
  function discard(next: TokenSet): never {
    // In cookie mode (no refresh token here) the cookie belongs to a session that began meanwhile, if one did: left alone.
    if (next.refreshToken !== null || tokens === null) void endpoint.revoke(next.refreshToken);
    throw intents.refusal(disposed);
  }

  const core: SessionCore & SyncCore = {
    get tokens() {
      return tokens;
    },
    get epoch() {
      return epochs.current;
    },
    get generation() {
      return Math.max(tokens?.generation ?? 0, snapshot.generation, seenGeneration);
    },
    get disposed() {
      return disposed;
    },
    get persisted() {
      return persisted;
    },
    set persisted(value) {
      persisted = value;
    },
    get startGeneration() {
      return startGeneration;
    },
    get startedAt() {
      return startedAt;
    },
    get refreshing() {
      return refresher.inflight !== null;
    },
    get starting() {
      return starting > 0;
    },
    beginEpoch: () => newEpoch(new SessionEndedError('replaced')),
    sawGeneration(generation) {
      seenGeneration = Math.max(seenGeneration, generation);
    },
    replacedBy(other) {
      const old = tokens;
      // Nobody else knows a session that never reached the store: its grant would outlive it.
      if (old !== null && !persisted && old.refreshToken !== null) void endpoint.revoke(old.refreshToken);
      if (old !== null) end('replaced', 'remote');
      else newEpoch(new SessionEndedError('replaced'));
      persisted = true;
      commit(other, 'remote', false);
    },
    announceFailure(at) {
      const t = tokens;
      if (t !== null) options.broadcast({ type: 'failed', generation: Math.max(1, t.generation), sid: t.sessionId, at });
    },
    announceBackoff(until) {
      const t = tokens;
      if (t !== null) options.broadcast({ type: 'backoff', generation: Math.max(1, t.generation), sid: t.sessionId, until });
    },
    mayClaimEmpty: () => !persisted && (ownsEmptyStore || startSource === 'refresh-key'),
    isDue,
    commit,
    end,
    publish,
    writeFailed,
    onCommitted,
  };
  const refresher = createRefresher(core, options);
  const refresh = refresher.refresh;
  const gate = createRequestGate({
    session: {
      get tokens() {
        return tokens;
      },
      get disposed() {
        return disposed;
      },
      isDue,
      ready: (signal) => waitReady(signal),
    },
    refresher,
    epochs,
    waiters,
    now,
  });
  const sync = createStorageSync(core, persistence, options.note ?? null);
  const cookieResume = createCookieResume(options);

  /** Cookie mode, signed out: a silent refresh with the HttpOnly cookie (start-up, or `refresh()`). */
  async function resumeFromCookie(): Promise<SessionSnapshot> {
    const startEpoch = epochs.current;
    const mine = intents.peek();
    const found = await cookieResume();
    if (found.kind === 'signed-out') throw new NotAuthenticatedError();
    if (found.kind === 'unavailable') throw new RefreshError('Could not reach the server to resume the session; try again.');
    if (found.kind === 'stored') {
      if (startEpoch === epochs.current && tokens === null && !disposed) {
        newEpoch(new SessionEndedError('replaced'));
        persisted = true;
        commit(found.tokens, 'remote', false);
      }
      return snapshot;
    }
    let next: TokenSet;
    try {
      next = loginTokenSet(found.result, core.generation + 1, options.scope ?? null);
    } catch {
      throw new RefreshError('The server answered the refresh cookie unusably; try again.');
    }
    // A session began meanwhile (a login, another tab's resume adopted from the store): the resume yields to it.
    if (tokens !== null || startEpoch !== epochs.current) return snapshot;
    return begin(next, mine, 'cookie');
  }

  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));

  async function hydrate(): Promise<void> {
    let loaded: Awaited<ReturnType<Persistence['load']>> = { kind: 'empty' };
    try {
      loaded = await persistence.load();
    } catch {
      options.note?.({ type: 'storage-fallback', operation: 'read' });
      emitter.emit('session:error', { operation: 'storage-read', code: 'storage', message: 'Could not read the stored session.' });
    }
    if (disposed) return void (hydrated = true);
    if (loaded.kind !== 'session' && options.resumeFromCookie === true && options.refreshKey === null) {
      // Still `loading` while the cookie is tried: a UI does not flash "signed out" before the session resumes.
      if (loaded.kind === 'invalid') emitter.emit('session:end', { reason: 'invalid-storage', origin: 'local' });
      await resumeFromCookie().catch(() => undefined);
      hydrated = true;
      // Signed out (no valid cookie, or the server unreachable: `refresh()` may try again).
      if (tokens === null && !disposed) publish('session:loaded', false);
      return;
    }
    hydrated = true;
    if (loaded.kind === 'session') {
      persisted = true;
      commit(loaded.tokens, 'storage', false);
    } else if (options.refreshKey !== null) {
      const key = options.refreshKey;
      commit({ accessToken: null, refreshToken: key, expiresAt: null, receivedAt: now(), scope: null, claims: null, generation: 1, sessionId: derivedSessionId('key', key) }, 'refresh-key', false);
    } else {
      if (loaded.kind === 'invalid') emitter.emit('session:end', { reason: 'invalid-storage', origin: 'local' });
      publish(loaded.kind === 'invalid' ? 'session:end' : 'session:loaded', false);
    }
  }
  void hydrate().finally(readyResolve);

  const waitReady = (signal?: AbortSignal | null) => (hydrated ? undefined : waiters.wait(ready, signal));

  /** Starts a new session from `next` (a login answer): ends the previous one as replaced, stores, commits. */
  async function begin(next: TokenSet, mine: number, source: StartSource): Promise<SessionSnapshot> {
    const stillMine = () => intents.isCurrent(mine) && !disposed;
    if (!stillMine()) return discard(next);
    starting++;
    try {
      const previous = tokens;
      if (previous === null) newEpoch(new SessionEndedError('replaced'));
      else {
        end('replaced', 'local');
        if (previous.refreshToken !== null) void endpoint.revoke(previous.refreshToken);
      }
      const at = epochs.current;
      try {
        persisted = (await persistence.save(next, () => at === epochs.current && stillMine())).kind === 'saved';
      } catch {
        writeFailed();
      }
      if (at !== epochs.current || !stillMine()) return discard(next);
      commit(next, source, true);
    } finally {
      starting--;
    }
    // Another tab's login may have written meanwhile: the store says which one is newest.
    void sync.syncFromStorage();
    return snapshot;
  }

  /**
   * Starts a new session from the token answer `obtain` gets: the one way in for a login, a code
   * exchange and `setSession`. The answer is parsed and validated like a refresh answer; a failure is a
   * `LoginError`. Only a `logout()`, a newer start or `dispose()` after it began refuses it.
   */
  async function start(obtain: () => Promise<StartResult>): Promise<SessionSnapshot> {
    if (disposed) throw new DisposedError();
    await waitReady();
    const mine = intents.start();
    let next: TokenSet;
    try {
      const result = await obtain();
      next = { ...loginTokenSet(result, core.generation + 1, options.scope ?? null), ...idTokenOf(result) };
    } catch (error) {
      throw loginError(error, endpoint.at.login);
    }
    return begin(next, mine, 'login');
  }

  return {
    ready,
    get snapshot() {
      return snapshot;
    },
    get tokens() {
      return tokens;
    },

    usable: gate.usable,
    assertCurrent: gate.assertCurrent,
    afterUnauthorized: gate.afterUnauthorized,
    rejectedAfterRefresh: gate.rejectedAfterRefresh,

    /** Manual refresh: joins one in flight; within a backoff it rejects at once with the pending `RefreshError` and sends nothing. */
    async refresh(): Promise<SessionSnapshot> {
      if (disposed) throw new DisposedError();
      await waitReady();
      if (tokens === null && options.resumeFromCookie === true) return resumeFromCookie();
      if (refresher.inflight === null && tokens !== null) {
        const until = refresher.blockedUntil('backoff');
        if (until !== null) throw refresher.backingOff(until);
      }
      await waiters.wait(refresh('manual'));
      return snapshot;
    },

    /** Whether the background timer should fire now, and when. */
    nextWakeAt(): number | null {
      const t = tokens;
      // A refresh in flight re-arms the timer when it settles: no 1 ms re-arm loop meanwhile.
      if (t === null || disposed || refresher.inflight !== null) return null;
      return refresher.retryAt ?? (gate.isRefused(t) ? now() : dueAt(t));
    },

    /** Timer, resume or reconnect (`force`: a pending retry goes at once, once per failure streak). */
    wake(force = false): void {
      const t = tokens;
      if (t === null || disposed || refresher.inflight !== null) return;
      if (force) refresher.skipBackoff();
      if (refresher.blockedUntil('backoff') !== null) return;
      if (refresher.failing || gate.isRefused(t) || isDue(t)) refresh('timer').catch(() => undefined);
    },

    start,
    login: (credentials: Readonly<Record<string, unknown>>): Promise<SessionSnapshot> => start(() => endpoint.login(credentials)),

    /** Local logout first (final, immediate); revocation is returned separately and never blocks. */
    async logout(): Promise<{ revocation: Promise<boolean> }> {
      if (disposed) throw new DisposedError();
      intents.logout();
      await ready;
      const previous = tokens;
      if (!end('logout', 'local')) newEpoch(new SessionEndedError('logout'));
      await persistence.clear();
      onCommitted(null, 'logout');
      // Signed out here, a cookie-mode session may still hold its HttpOnly cookie: `revoke(null)` clears it (a no-op otherwise).
      const revocation = endpoint.revoke(previous?.refreshToken ?? null);
      return { revocation };
    },

    /** The server already revoked this session (`auth.sessions.revoke` of its own key): ends it like a logout, reason `revoked`, nothing sent. */
    async endRevoked(): Promise<void> {
      await ready;
      if (disposed || !end('revoked', 'local')) return;
      await persistence.clear();
      onCommitted(null, 'logout');
    },

    /** Another tab changed the shared session: adopt newer tokens, follow another login, or its logout. */
    syncFromStorage: sync.syncFromStorage,
    /** Another tab logged out: end a session that started no later than that logout. */
    remoteLogout: sync.remoteLogout,
    /** Another tab saw a generation (a newer session is numbered above it). */
    sawGeneration: core.sawGeneration,
    /** Another context changed the store or said something: an empty store is no longer this client's to fill. */
    foreignChange(): void {
      ownsEmptyStore = false;
    },
    /** The server told another tab to wait until `until` before refreshing this session. */
    remoteFailure(sid: string, at: number): void {
      if (tokens !== null && sameSessionId(tokens.sessionId, sid)) {
        refresher.sawFailure(Math.min(at, now()));
        options.schedule();
      }
    },
    remoteBackoff(sid: string, until: number): void {
      if (tokens !== null && sameSessionId(tokens.sessionId, sid) && until > now()) {
        refresher.deferUntil(until);
        options.schedule();
      }
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      refresher.dispose();
      waiters.rejectAll(new DisposedError());
      emitter.clear();
      readyResolve();
    },
  };
}

export type Coordinator = ReturnType<typeof createCoordinator>;
