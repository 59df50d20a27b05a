import { DisposedError, LoginError, NotAuthenticatedError, RefreshError, SessionEndedError } from '../errors';
import type { EndReason } from '../errors';
import { isEndpointFailure, type EndpointFailure } from '../endpoint/failure';
import type { TokenEndpoint, EndpointResult } from '../endpoint/token-endpoint';
import type { AuthEvents, Emitter, EventOrigin } from '../events';
import type { Clock } from '../lifecycle/clock';
import type { LockManager } from '../sync/lock';
import { backoffDelay } from './backoff';
import { createWaiters } from './guard';
import type { Persistence } from './persistence';
import { LOADING, type SessionSnapshot } from './snapshot';
import { parseTokenResponse, refreshDueAt, type ParsedTokens, type TokenSet } from './token-set';

export interface CoordinatorOptions {
  endpoint: TokenEndpoint;
  persistence: Persistence;
  emitter: Emitter;
  clock: Clock;
  lock: LockManager | null;
  lockName: string;
  lockTimeout: number;
  margin: (lifetimeMs: number) => number;
  backoff: { base: number; max: number };
  random: () => number;
  /** A pre-issued refresh key to start from when storage holds no session. */
  refreshKey: string | null;
  /** Called after every committed or ended session (timers, broadcast). */
  onCommitted: (tokens: TokenSet | null, kind: 'session' | 'logout' | 'none') => void;
}

type Change = AuthEvents['session:change']['cause'];

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
  let inflight: Promise<TokenSet> | null = null;
  let inflightId = 0;
  let refreshSeq = 0;
  let failures = 0;
  let retryAt: number | null = null;
  let lastError: RefreshError | null = null;
  let persisted = false;
  /** Generation at which the current session started (login, storage, adoption): remote logouts older than it do not apply. */
  let startGeneration = 0;
  let hydrated = false;
  let disposed = false;

  const now = () => clock.now();
  const isDue = (t: TokenSet) => {
    const at = refreshDueAt(t, options.margin);
    return at !== null && now() >= at;
  };
  const isExpired = (t: TokenSet) => t.accessToken === null || (t.expiresAt !== null && now() >= t.expiresAt);

  function publish(cause: Change, refreshing = inflight !== null): void {
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
    inflight = null;
    failures = 0;
    retryAt = null;
    lastError = null;
    waiters.rejectAll(error);
  }

  /** Writes the token set (inside the refresh lock, so the next tab to take it sees it). */
  async function save(t: TokenSet, at: number): Promise<void> {
    try {
      await persistence.save(t, () => at === epoch);
      persisted = true;
    } catch {
      persisted = false;
      if (!disposed) emitter.emit('session:error', { operation: 'storage-write', code: 'storage', message: 'Could not persist the session; it continues in memory.' });
    }
  }

  /** Commits a token set; `source` says which event it is. */
  function commit(next: TokenSet, source: 'login' | 'storage' | 'refresh-key' | 'remote' | EventOrigin, broadcast: boolean): void {
    const wasSignedIn = tokens !== null;
    if (!wasSignedIn) startGeneration = next.generation;
    tokens = next;
    failures = 0;
    retryAt = null;
    lastError = null;
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
    }
    return true;
  }

  const withGeneration = (parsed: ParsedTokens, floor: number): TokenSet => ({
    ...parsed,
    generation: Math.max(floor, tokens?.generation ?? 0) + 1,
  });

  function parse(result: EndpointResult, previousRefreshToken: string | null): ParsedTokens {
    const parsed = parseTokenResponse(result.body, { receivedAt: result.receivedAt, serverOffset: result.serverOffset, previousRefreshToken });
    if (!parsed.ok) throw parsed.problem;
    return parsed.tokens;
  }

  /** Reads shared storage: a newer session another tab committed, or `null`. Throws 'remote' when it logged out. */
  async function readShared(current: TokenSet): Promise<TokenSet | null> {
    const loaded = await persistence.load().catch(() => ({ kind: 'empty' as const }));
    if (loaded.kind === 'session') {
      const stored = loaded.tokens;
      if (stored.generation > current.generation || (stored.generation === current.generation && stored.refreshToken !== current.refreshToken)) {
        return stored;
      }
      return null;
    }
    if (persisted) throw { kind: 'terminal', reason: 'remote' } satisfies EndpointFailure;
    return null;
  }

  /** One network refresh, retried once with the same token when no response at all came back. */
  async function callRefresh(refreshToken: string | null): Promise<EndpointResult> {
    try {
      return await endpoint.refresh(refreshToken);
    } catch (error) {
      if (!isEndpointFailure(error) || error.failure.kind !== 'transient' || !error.failure.noResponse) throw error;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 100 + options.random() * 200));
      return endpoint.refresh(refreshToken);
    }
  }

  async function refreshLocked(current: TokenSet): Promise<{ tokens: TokenSet; adopted: boolean }> {
    const shared = await readShared(current);
    if (shared !== null && !isDue(shared)) return { tokens: shared, adopted: true };
    const base = shared ?? current;
    try {
      const result = await callRefresh(base.refreshToken);
      return { tokens: withGeneration(parse(result, base.refreshToken), base.generation), adopted: false };
    } catch (error) {
      // On a rejected grant, look once more: another tab may have rotated the token meanwhile.
      if (isEndpointFailure(error) && error.failure.kind === 'terminal') {
        const winner = await readShared(base).catch(() => null);
        if (winner !== null) return { tokens: winner, adopted: true };
      }
      throw error;
    }
  }

  function failed(error: unknown, startEpoch: number): never {
    if (startEpoch !== epoch || disposed) throw disposed ? new DisposedError() : new SessionEndedError('logout');
    const failure: EndpointFailure = isEndpointFailure(error)
      ? error.failure
      : typeof error === 'object' && error !== null && 'kind' in error
        ? (error as EndpointFailure)
        : { kind: 'transient', code: 'body', noResponse: false };
    const status = failure.status;
    if (failure.kind === 'terminal') {
      const ended = new SessionEndedError(failure.reason, { status });
      emitter.emit('session:refresh-failed', { retryable: false, attempt: failures + 1, code: ended.code, ...(status === undefined ? {} : { status }) });
      end(failure.reason, 'local', ended);
      void persistence.clear().then(() => options.onCommitted(null, 'logout'));
      throw ended;
    }
    failures++;
    retryAt = now() + backoffDelay(failures, { ...options.backoff, random: options.random, retryAfterMs: failure.retryAfterMs });
    lastError = new RefreshError(`Token refresh failed (${failure.code}); the session is kept and will retry.`, { status, retryAt });
    emitter.emit('session:refresh-failed', {
      retryable: true,
      attempt: failures,
      nextAttemptAt: retryAt,
      code: lastError.code,
      ...(status === undefined ? {} : { status }),
    });
    publish('session:refresh-failed', false);
    options.onCommitted(tokens, 'none');
    throw lastError;
  }

  /** The single-flight refresh: every caller, timer and 401 shares the promise. */
  function refresh(): Promise<TokenSet> {
    if (inflight !== null) return inflight;
    const current = tokens;
    if (current === null) return Promise.reject(new NotAuthenticatedError());
    const startEpoch = epoch;
    const id = ++refreshSeq;
    const run = (async () => {
      try {
        const work = async () => {
          const result = await refreshLocked(current);
          if (!result.adopted && startEpoch === epoch) await save(result.tokens, startEpoch);
          return result;
        };
        const result = await (options.lock ? options.lock.run(options.lockName, options.lockTimeout, work) : work());
        if (startEpoch !== epoch) {
          // A logout or a new login happened meanwhile: this result must not land. Revoke it.
          if (!result.adopted && result.tokens.refreshToken !== null) void endpoint.revoke(result.tokens.refreshToken);
          throw new SessionEndedError('logout');
        }
        commit(result.tokens, result.adopted ? 'remote' : 'local', !result.adopted);
        return result.tokens;
      } catch (error) {
        if (error instanceof SessionEndedError && startEpoch !== epoch) throw error;
        return failed(error, startEpoch);
      } finally {
        if (inflightId === id) inflight = null;
      }
    })();
    inflight = run;
    inflightId = id;
    run.catch(() => undefined);
    publish('session:refreshing', true);
    return run;
  }

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
      await waitReady(signal);
      const t = tokens;
      if (t === null) return null;
      if (inflight === null && !isDue(t)) return t;
      if (inflight === null && retryAt !== null && now() < retryAt) {
        if (!isExpired(t)) return t;
        throw lastError ?? new RefreshError('Token refresh is backing off.');
      }
      try {
        return await waiters.wait(refresh(), signal);
      } catch (error) {
        // A failed early refresh must not fail a request whose token is still valid.
        if (error instanceof RefreshError && tokens === t && !isExpired(t)) return t;
        throw error;
      }
    },

    /** After a 401 sent with `generation`: the newer token (no refresh if one already exists), or `null` when signed out. */
    async afterUnauthorized(generation: number, signal?: AbortSignal | null): Promise<TokenSet | null> {
      if (disposed) throw new DisposedError();
      const t = tokens;
      if (t === null) return null;
      if (t.generation > generation && t.accessToken !== null && inflight === null) return t;
      if (inflight === null && retryAt !== null && now() < retryAt && lastError !== null) throw lastError;
      return waiters.wait(refresh(), signal);
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
      if (t === null || disposed) return null;
      return retryAt ?? refreshDueAt(t, options.margin);
    },

    /** Timer or resume: refresh when due (or when the backoff has elapsed). */
    wake(force = false): void {
      const t = tokens;
      if (t === null || disposed || inflight !== null) return;
      if (force) retryAt = null;
      if ((retryAt !== null && now() >= retryAt) || (retryAt === null && isDue(t))) refresh().catch(() => undefined);
    },

    async login(credentials: Readonly<Record<string, unknown>>): Promise<SessionSnapshot> {
      if (disposed) throw new DisposedError();
      await waitReady();
      const startEpoch = epoch;
      let parsed: ParsedTokens;
      try {
        parsed = parse(await endpoint.login(credentials), null);
      } catch (error) {
        const failure = isEndpointFailure(error) ? error.failure : undefined;
        if (failure?.kind === 'terminal') throw new LoginError('The server rejected the credentials.', { status: failure.status, reason: failure.reason });
        throw new LoginError('Login failed; try again.', { retryable: failure !== undefined, status: failure?.status });
      }
      if (startEpoch !== epoch || disposed) throw new SessionEndedError('logout');
      const previous = tokens;
      if (previous === null) newEpoch(new SessionEndedError('replaced'));
      else {
        end('replaced', 'local');
        if (previous.refreshToken !== null) void endpoint.revoke(previous.refreshToken);
      }
      const at = epoch;
      const next = withGeneration(parsed, snapshot.generation);
      await save(next, at);
      if (at !== epoch || disposed) throw new SessionEndedError('logout');
      commit(next, 'login', true);
      return snapshot;
    },

    /** Local logout first (final, immediate); revocation is returned separately and never blocks. */
    async logout(): Promise<{ revocation: Promise<boolean> }> {
      await ready;
      const previous = tokens;
      if (!end('logout', 'local')) newEpoch(new SessionEndedError('logout'));
      await persistence.clear();
      options.onCommitted(null, 'logout');
      const revocation = previous === null ? Promise.resolve(true) : endpoint.revoke(previous.refreshToken);
      return { revocation };
    },

    /** Another tab changed the shared session: adopt a newer one, or follow its logout. */
    async syncFromStorage(): Promise<void> {
      if (disposed) return;
      const loaded = await persistence.load().catch(() => null);
      if (loaded === null || disposed) return;
      if (loaded.kind === 'session') {
        if (loaded.tokens.generation > (tokens?.generation ?? 0) || tokens === null) {
          const wasSignedIn = tokens !== null;
          if (!wasSignedIn) newEpoch(new SessionEndedError('replaced'));
          persisted = true;
          commit(loaded.tokens, 'remote', false);
        }
      } else if (tokens !== null && persisted && inflight === null) {
        end('remote', 'remote');
      }
    },

    /** Another tab logged out at `generation`: end a session that started no later than that. */
    async remoteLogout(generation: number): Promise<void> {
      const own = tokens?.generation;
      if (tokens === null || startGeneration > generation || !end('remote', 'remote')) return;
      // A refresh of ours may have landed in storage after that tab cleared it: remove it again.
      const loaded = await persistence.load().catch(() => null);
      if (loaded?.kind === 'session' && loaded.tokens.generation === own) await persistence.clear();
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      waiters.rejectAll(new DisposedError());
      emitter.clear();
    },
  };
}

export type Coordinator = ReturnType<typeof createCoordinator>;
