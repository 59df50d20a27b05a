import { DisposedError, RefreshError, SessionEndedError } from '../errors';
import type { EndReason } from '../errors';
import { loginError } from '../endpoint/public-errors';
import type { AuthEvents, EventOrigin } from '../events';
import { createWaiters } from './guard';
import type { Persistence } from './persistence';
import { createRefresher, type RefresherOptions, type SessionCore } from './refresher';
import { createStorageSync, type SyncCore } from './storage-sync';
import { LOADING, type SessionSnapshot } from './snapshot';
import { loginTokenSet, refreshDueAt, type TokenSet } from './token-set';

export interface CoordinatorOptions extends RefresherOptions {
  margin: (lifetimeMs: number) => number;
  /** The scope requested on login (an answer without `scope` granted it). */
  scope?: string | null;
  /** A pre-issued refresh key to start from when storage holds no session. */
  refreshKey: string | null;
  /** Cookie mode or a custom refresh: a session without a refresh token can still be refreshed. */
  refreshesWithoutToken?: boolean;
  /** Called after every committed or ended session (timers, broadcast). */
  onCommitted: (tokens: TokenSet | null, kind: 'session' | 'logout' | 'none') => void;
}

type Change = AuthEvents['session:change']['cause'];

/** How long a token the server refused right after a refresh is not refreshed again on a 401. */
const REJECTED_COOLDOWN_MS = 10_000;

/**
 * Owns the session state machine and the ONE in-flight refresh of a client. The proactive timer,
 * 401s, `refresh()`, resume and other tabs all go through `refresh()`; every token set carries a
 * generation and every session an epoch, so nothing from an older session can land in a newer one.
 */
export function createCoordinator(options: CoordinatorOptions) {
  const { endpoint, persistence, emitter, clock } = options;
  const waiters = createWaiters();
  let tokens: TokenSet | null = null;
  let snapshot: SessionSnapshot = LOADING;
  let epoch = 0;
  let persisted = false;
  /** Generation at which the current session started (login, storage, adoption): remote logouts older than it do not apply. */
  let startGeneration = 0;
  let hydrated = false;
  let disposed = false;
  let rejected: { generation: number; at: number } | null = null;
  let reactiveGeneration = 0;
  /** The epoch each committed token set belongs to, and why the recent epochs started: a 401 for a token of an ended session gets the error that ended it, never a replay with another session's token. */
  const epochOf = new WeakMap<TokenSet, number>();
  const epochCause = new Map<number, SessionEndedError>();

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
  const isExpired = (t: TokenSet) => t.accessToken === null || (t.expiresAt !== null && now() >= t.expiresAt);

  function publish(cause: Change, refreshing = refresher.inflight !== null): void {
    const t = tokens;
    snapshot = Object.freeze({
      status: t === null ? (hydrated ? 'unauthenticated' : 'loading') : 'authenticated',
      expiresAt: t?.expiresAt ?? null,
      claims: t?.claims ?? null,
      generation: t?.generation ?? snapshot.generation,
      refreshing: t !== null && refreshing,
      scope: t?.scope ?? null,
    });
    if (!disposed) emitter.emit('session:change', { session: snapshot, cause });
  }

  /** Starts a new epoch: waiters of the old session get `error`, its refresh can no longer commit. */
  function newEpoch(error: unknown): void {
    epoch++;
    if (error instanceof SessionEndedError) epochCause.set(epoch, error);
    for (const old of epochCause.keys()) if (old <= epoch - 16) epochCause.delete(old);
    refresher.reset();
    waiters.rejectAll(error);
  }

  /** A write failed: the store no longer holds this session (its key was removed); it goes on in memory. */
  function writeFailed(): void {
    persisted = false;
    if (!disposed) emitter.emit('session:error', { operation: 'storage-write', code: 'storage', message: 'Could not persist the session; it continues in memory.' });
  }

  /** Commits a token set; `source` says which event it is. */
  function commit(next: TokenSet, source: 'login' | 'storage' | 'refresh-key' | 'remote' | 'kept' | EventOrigin, broadcast: boolean): void {
    const wasSignedIn = tokens !== null;
    if (!wasSignedIn) startGeneration = next.generation;
    tokens = next;
    epochOf.set(next, epoch);
    if (source === 'kept') return disposed ? undefined : options.onCommitted(next, broadcast ? 'session' : 'none');
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
    options.onCommitted(next, broadcast ? 'session' : 'none');
  }

  /** Ends the current session once; later calls are no-ops. */
  function end(reason: EndReason, origin: EventOrigin, error: unknown = new SessionEndedError(reason)): boolean {
    if (tokens === null) return false;
    tokens = null;
    newEpoch(error);
    if (!disposed) {
      emitter.emit('session:end', { reason, origin });
      publish('session:end', false);
      // A signed-out client holds no timer (a remote logout ends it here, not through a local commit).
      options.onCommitted(null, 'none');
    }
    return true;
  }

  /** A login answer that must not land (a logout came first): what it minted is revoked. */
  function discard(next: TokenSet): never {
    void endpoint.revoke(next.refreshToken);
    if (disposed) throw new DisposedError();
    // Why the session it was meant for is gone: a logout, another login (here or in another tab)...
    throw new SessionEndedError(epochCause.get(epoch)?.reason ?? 'logout');
  }

  const core: SessionCore & SyncCore = {
    get tokens() {
      return tokens;
    },
    get epoch() {
      return epoch;
    },
    get generation() {
      return Math.max(tokens?.generation ?? 0, snapshot.generation);
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
    get refreshing() {
      return refresher.inflight !== null;
    },
    beginEpoch: () => newEpoch(new SessionEndedError('replaced')),
    isDue,
    commit,
    end,
    publish,
    writeFailed,
    onCommitted: options.onCommitted,
  };
  const refresher = createRefresher(core, options);
  const refresh = refresher.refresh;
  const sync = createStorageSync(core, persistence);

  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));

  async function hydrate(): Promise<void> {
    let loaded: Awaited<ReturnType<Persistence['load']>> = { kind: 'empty' };
    try {
      loaded = await persistence.load();
    } catch {
      emitter.emit('session:error', { operation: 'storage-read', code: 'storage', message: 'Could not read the stored session.' });
    }
    hydrated = true;
    if (disposed) return;
    if (loaded.kind === 'session') {
      persisted = true;
      commit(loaded.tokens, 'storage', false);
    } else if (options.refreshKey !== null) {
      const key: TokenSet = { accessToken: null, refreshToken: options.refreshKey, expiresAt: null, receivedAt: now(), scope: null, claims: null, generation: 1 };
      commit(key, 'refresh-key', false);
    } else {
      if (loaded.kind === 'invalid') emitter.emit('session:end', { reason: 'invalid-storage', origin: 'local' });
      publish(loaded.kind === 'invalid' ? 'session:end' : 'session:loaded', false);
    }
  }
  void hydrate().finally(readyResolve);

  const waitReady = (signal?: AbortSignal | null) => (hydrated ? undefined : waiters.wait(ready, signal));

  return {
    ready,
    get snapshot() {
      return snapshot;
    },
    get tokens() {
      return tokens;
    },

    /** The token set a request should use now: waits for hydration and any refresh; refreshes first when due. */
    async usable(signal?: AbortSignal | null): Promise<TokenSet | null> {
      if (disposed) throw new DisposedError();
      signal?.throwIfAborted();
      await waitReady(signal);
      const t = tokens;
      if (t === null) return null;
      const { inflight, retryAt } = refresher;
      if (inflight === null && !isDue(t)) return t;
      if (inflight === null && retryAt !== null && now() < retryAt) {
        if (!isExpired(t)) return t;
        throw refresher.lastError ?? new RefreshError('Token refresh is backing off.');
      }
      try {
        return await waiters.wait(refresh(), signal);
      } catch (error) {
        // A failed early refresh must not fail a request whose token is still valid.
        // (The same access token may come back in a new set that only kept a rotated refresh token.)
        const kept = tokens;
        if (error instanceof RefreshError && kept !== null && kept.accessToken === t.accessToken && !isExpired(kept)) return kept;
        throw error;
      }
    },

    /** After a 401 for `sent`: the newer token of the same session (no refresh if one already exists), `null` when signed out; an ended session's error. */
    async afterUnauthorized(sent: TokenSet, signal?: AbortSignal | null): Promise<TokenSet | null> {
      if (disposed) throw new DisposedError();
      // The session this request's token belonged to ended while it was on the way (a logout, a new
      // login): it gets the error that ended it, never a replay with another session's token.
      const sentEpoch = epochOf.get(sent);
      if (sentEpoch !== undefined && sentEpoch !== epoch) throw epochCause.get(sentEpoch + 1) ?? new SessionEndedError('logout');
      const t = tokens;
      if (t === null) return null;
      const generation = sent.generation;
      const { inflight, retryAt, lastError } = refresher;
      if (t.generation > generation && t.accessToken !== null && inflight === null) return t;
      // The server refused this very token right after it was issued: another refresh would not help.
      if (inflight === null && rejected?.generation === t.generation && now() - rejected.at < REJECTED_COOLDOWN_MS) return null;
      if (inflight === null && retryAt !== null && now() < retryAt && lastError !== null) throw lastError;
      const next = await waiters.wait(refresh(), signal);
      reactiveGeneration = next.generation;
      return next;
    },

    /** A replay still got 401. When its token came from the refresh that 401s asked for, refreshing again would not help for a while. */
    rejectedAfterRefresh(generation: number): void {
      if (generation === reactiveGeneration) rejected = { generation, at: now() };
    },

    /** Manual refresh: always attempts (joins one in flight). */
    async refresh(): Promise<SessionSnapshot> {
      if (disposed) throw new DisposedError();
      await waitReady();
      await waiters.wait(refresh());
      return snapshot;
    },

    /** Whether the background timer should fire now, and when. */
    nextWakeAt(): number | null {
      const t = tokens;
      // A refresh in flight re-arms the timer when it settles: no 1 ms re-arm loop meanwhile.
      if (t === null || disposed || refresher.inflight !== null) return null;
      return refresher.retryAt ?? dueAt(t);
    },

    /** Timer or resume: refresh when due (or when the backoff has elapsed). */
    wake(force = false): void {
      const t = tokens;
      if (t === null || disposed || refresher.inflight !== null) return;
      if (force) refresher.skipBackoff();
      const { retryAt } = refresher;
      if ((retryAt !== null && now() >= retryAt) || (retryAt === null && isDue(t))) refresh().catch(() => undefined);
    },

    async login(credentials: Readonly<Record<string, unknown>>): Promise<SessionSnapshot> {
      if (disposed) throw new DisposedError();
      await waitReady();
      const startEpoch = epoch;
      let next: TokenSet;
      try {
        next = loginTokenSet(await endpoint.login(credentials), core.generation + 1, options.scope ?? null);
      } catch (error) {
        throw loginError(error, endpoint.at.login);
      }
      if (startEpoch !== epoch || disposed) return discard(next);
      const previous = tokens;
      if (previous === null) newEpoch(new SessionEndedError('replaced'));
      else {
        end('replaced', 'local');
        if (previous.refreshToken !== null) void endpoint.revoke(previous.refreshToken);
      }
      const at = epoch;
      try {
        if ((await persistence.save(next, () => at === epoch)).kind === 'saved') persisted = true;
      } catch {
        writeFailed();
      }
      if (at !== epoch || disposed) return discard(next);
      commit(next, 'login', true);
      return snapshot;
    },

    /** Local logout first (final, immediate); revocation is returned separately and never blocks. */
    async logout(): Promise<{ revocation: Promise<boolean> }> {
      if (disposed) throw new DisposedError();
      await ready;
      const previous = tokens;
      if (!end('logout', 'local')) newEpoch(new SessionEndedError('logout'));
      await persistence.clear();
      options.onCommitted(null, 'logout');
      // Signed out here, a cookie-mode session may still hold its HttpOnly cookie: `revoke(null)` clears it (a no-op otherwise).
      const revocation = endpoint.revoke(previous?.refreshToken ?? null);
      return { revocation };
    },

    /** The server already revoked this session (`auth.sessions.revoke` of its own key): ends it like a logout, reason `revoked`, nothing sent. */
    async endRevoked(): Promise<void> {
      await ready;
      if (disposed || !end('revoked', 'local')) return;
      await persistence.clear();
      options.onCommitted(null, 'logout');
    },

    /** Another tab changed the shared session: adopt a newer one, or follow its logout. */
    syncFromStorage: sync.syncFromStorage,
    /** Another tab logged out at `generation`: end a session that started no later than that. */
    remoteLogout: sync.remoteLogout,

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
