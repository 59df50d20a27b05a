import { isEndpointFailure } from '../endpoint/failure';
import type { EndpointResult, TokenEndpoint } from '../endpoint/token-endpoint';
import { DisposedError, SessionEndedError } from '../errors';
import type { Note } from '../diagnostics';
import type { Clock, TimerHandle } from '../lifecycle/clock';
import type { LockManager } from '../sync/lock';
import type { LoadResult, Persistence } from './persistence';
import { fingerprint, idTokenOf, sameSessionId, parseTokenResponse, rotatedRefreshToken, type TokenParseProblem, type TokenSet } from './token-set';

export interface RefreshFlowOptions {
  endpoint: TokenEndpoint;
  persistence: Persistence;
  clock: Clock;
  random: () => number;
  lock: LockManager | null;
  lockName: string;
  lockTimeout: number;
  /** Longest one token-endpoint call may take (ms): bounds the wait for another tab's call. */
  callTimeout: number;
  /** Diagnostics (`debug` option); `null` or absent: off. */
  note?: Note;
}

/** What one refresh needs to know about the session it belongs to, read at the moment it matters. */
export interface RefreshContext {
  /** The token set the refresh starts from. */
  readonly current: TokenSet;
  /** The session is (or was) in shared storage: an empty store then means another tab ended it. */
  persisted(): boolean;
  /** False once the session this refresh belongs to has ended. */
  stillCurrent(): boolean;
  disposed(): boolean;
  isDue(tokens: TokenSet): boolean;
  /** The highest generation this client has seen; a new token set goes above it. */
  generationFloor(): number;
  /**
   * Whether a refresh may write into an empty store. An empty store is nobody's session: only a
   * session that began from a refresh key and was never stored may claim it (a login whose write
   * failed goes on in memory, and a session another tab logged out stays out).
   */
  mayClaimEmpty(): boolean;
  /** Until when a server's `Retry-After` (here or told by another tab) forbids any refresh, or `null`. */
  deferredUntil(): number | null;
  /** The server answered with a `Retry-After`: recorded and told to the other tabs before the lock passes on. */
  retryAfter(until: number): void;
  /** A transient failure at `at`: told to the other tabs before the lock passes on (they probe no sooner). */
  failedAt(at: number): void;
  /** The server refused `tokens`' refresh token for good (`fp`: its fingerprint): told to the other contexts before the lock passes on. */
  spent(tokens: TokenSet, fp: string): void;
}

export type RefreshOutcome =
  /**
   * New tokens from the server; `write` tells whether they reached the store. With `unusable`, the
   * answer was unusable but rotated the refresh token: `tokens` is the old set with the new refresh token.
   */
  | { kind: 'rotated'; tokens: TokenSet; write: 'saved' | 'failed' | 'skipped'; unusable?: TokenParseProblem }
  /** Another tab already committed newer tokens of this session: use them, post nothing. */
  | { kind: 'adopted'; tokens: TokenSet }
  /** A login in another tab replaced the session: `tokens` is that other session, never used for this one's requests. */
  | { kind: 'replaced'; tokens: TokenSet; orphan: TokenSet | null }
  /** Another tab ended the session. `orphan`: tokens this refresh obtained that must now be revoked. */
  | { kind: 'ended'; orphan: TokenSet | null }
  /** The lock was granted after the server asked (another tab) for no refresh before `until`: nothing was sent. */
  | { kind: 'deferred'; until: number };

/** Same stored token set: same session, same generation, the same refresh token (the access token in cookie mode). */
export const sameSession = (a: TokenSet, b: TokenSet): boolean =>
  sameSessionId(a.sessionId, b.sessionId) && a.generation === b.generation && a.refreshToken === b.refreshToken && (a.refreshToken !== null || a.accessToken === b.accessToken);

/** Newer tokens of the same session: a higher generation, or the same generation but different tokens. */
export const supersedes = (stored: TokenSet, base: TokenSet): boolean =>
  sameSessionId(stored.sessionId, base.sessionId) && (stored.generation > base.generation || (stored.generation === base.generation && !sameSession(stored, base)));

/**
 * What the shared store says about the session `base` belongs to: newer tokens of it, another session
 * (a login in another tab replaced it), `ended` (emptied by another tab), or nothing new.
 */
export type StoreView = { kind: 'newer'; tokens: TokenSet } | { kind: 'other'; tokens: TokenSet } | { kind: 'ended' } | { kind: 'same' };

export function viewOf(stored: LoadResult, base: TokenSet, persisted: boolean): StoreView {
  if (stored.kind !== 'session') return persisted ? { kind: 'ended' } : { kind: 'same' };
  if (!sameSessionId(stored.tokens.sessionId, base.sessionId)) return { kind: 'other', tokens: stored.tokens };
  return supersedes(stored.tokens, base) ? { kind: 'newer', tokens: stored.tokens } : { kind: 'same' };
}

/**
 * The cross-tab refresh: inside the lock, re-read storage and adopt what another tab already
 * rotated (never posting a refresh token that differs from the stored one), else call the endpoint
 * and write the result with a compare-and-set against the session it was based on.
 *
 * Before posting, the token is marked as sent in the lock manager. A tab that gets the lock next
 * but still reads that token from storage (the other tab's write has not reached its process yet)
 * sees the mark and waits for its view of the store to catch up instead of posting a spent token.
 */
export function createRefreshFlow(options: RefreshFlowOptions) {
  const { endpoint, persistence, clock, lock } = options;
  /** The mark of the last token this client sent, held until the next one (or dispose). */
  let releaseMark: () => void = () => undefined;
  let ownMark: string | null = null;
  const markName = (token: string) => `${options.lockName}:sent:${fingerprint(token)}`;
  function flowDispose(): void {
    releaseMark();
    releaseMark = () => undefined;
    ownMark = null;
  }

  /** A session that ended (logout, dispose) while this refresh waited never sends its refresh token. */
  function ensureCurrent(ctx: RefreshContext): void {
    if (ctx.disposed()) throw new DisposedError();
    if (!ctx.stillCurrent()) throw new SessionEndedError('logout');
  }

  /** How the store names `base`'s refresh token once the server refused it (`null`: no refresh token). */
  const spentEntry = (base: TokenSet): string | null => base.refreshToken && `${fingerprint(base.refreshToken)}:${base.sessionId}`;

  /**
   * Storage compared with `base` (an unreadable store says nothing new). `ended` also when another
   * context got a terminal answer for `base`'s refresh token (recorded beside the session): never sent again.
   */
  async function look(base: TokenSet, ctx: RefreshContext): Promise<StoreView> {
    const loaded = await persistence.load().catch((): LoadResult | null => null);
    const view = loaded === null ? { kind: 'same' as const } : viewOf(loaded, base, ctx.persisted());
    const entry = spentEntry(base);
    return view.kind === 'same' && entry && (await persistence.spent()).includes(entry) ? { kind: 'ended' } : view;
  }

  /** A view that settles the refresh without a call: ended, replaced, or newer tokens not yet due. */
  function settled(view: StoreView, ctx: RefreshContext): RefreshOutcome | null {
    if (view.kind === 'ended') return { kind: 'ended', orphan: null };
    if (view.kind === 'other') return { kind: 'replaced', tokens: view.tokens, orphan: null };
    if (view.kind === 'newer' && !ctx.isDue(view.tokens)) return { kind: 'adopted', tokens: view.tokens };
    return null;
  }

  /** One network refresh, retried once with the same token when no response at all came back. */
  async function call(refreshToken: string | null, ctx: RefreshContext): Promise<EndpointResult> {
    try {
      return await endpoint.refresh(refreshToken);
    } catch (error) {
      if (!isEndpointFailure(error) || error.failure.kind !== 'transient' || !error.failure.noResponse) throw error;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 100 + options.random() * 200));
      if (!ctx.stillCurrent()) throw new SessionEndedError('logout');
      return endpoint.refresh(refreshToken);
    }
  }

  /** Resolves on the next change another context makes to the store, or after `ms`. */
  const changeOrTimeout = (ms: number) =>
    new Promise<void>((resolve) => {
      let timer: TimerHandle;
      const done = () => {
        stop();
        clock.clearTimeout(timer);
        resolve();
      };
      const stop = persistence.subscribe(done);
      timer = clock.setTimeout(done, ms);
    });

  /**
   * Another tab sent `base`'s token: wait until this tab's view of the store shows what it got. Past
   * `lockTimeout`, go on only once the sender let go of its mark (its call failed: the token is
   * unspent) — a slow call still holds it — and in any case no longer than that call can last.
   */
  async function catchUp(base: TokenSet, sent: string, ctx: RefreshContext): Promise<StoreView> {
    const start = clock.now();
    const deadline = start + options.lockTimeout;
    const limit = deadline + 2 * options.callTimeout + 1000;
    for (;;) {
      await changeOrTimeout(Math.max(1, Math.min(50, (clock.now() < deadline ? deadline : limit) - clock.now())));
      const seen = await look(base, ctx);
      if (seen.kind !== 'same' || ctx.disposed() || !ctx.stillCurrent()) return seen;
      const now = clock.now();
      if (now >= limit || (now >= deadline && (await lock?.isMarked?.(sent)) !== true)) return seen;
    }
  }

  /** Writes only over the session it started from (compare-and-set); an empty store is not its own. */
  async function store(tokens: TokenSet, base: TokenSet, ctx: RefreshContext): Promise<RefreshOutcome> {
    const accept = (stored: LoadResult): boolean =>
      stored.kind === 'session' ? sameSessionId(stored.tokens.sessionId, base.sessionId) && !supersedes(stored.tokens, base) : !ctx.persisted() && ctx.mayClaimEmpty();
    try {
      const saved = await persistence.save(tokens, ctx.stillCurrent, accept);
      if (saved.kind !== 'conflict') return { kind: 'rotated', tokens, write: saved.kind };
      // Another tab replaced or ended the session while this refresh was on the network.
      const view = viewOf(saved.stored, base, ctx.persisted());
      if (view.kind === 'other') return { kind: 'replaced', tokens: view.tokens, orphan: tokens };
      if (view.kind === 'newer') return { kind: 'adopted', tokens: view.tokens };
      // Never stored, and the store is empty: the session goes on in memory.
      return view.kind === 'ended' ? { kind: 'ended', orphan: tokens } : { kind: 'rotated', tokens, write: 'skipped' };
    } catch {
      return { kind: 'rotated', tokens, write: 'failed' };
    }
  }

  async function locked(ctx: RefreshContext): Promise<RefreshOutcome> {
    ensureCurrent(ctx);
    // The tab that held the lock before may have been told to wait: no refresh is sent before that.
    const until = ctx.deferredUntil() ?? (await persistence.retryAfter());
    if (until !== null) return { kind: 'deferred', until };
    const shared = await look(ctx.current, ctx);
    // Disposed or logged out while the store was read: nothing was sent yet, so nothing is.
    ensureCurrent(ctx);
    const early = settled(shared, ctx);
    if (early !== null) return early;
    let base = shared.kind === 'newer' ? shared.tokens : ctx.current;
    const sent = base.refreshToken === null ? null : markName(base.refreshToken);
    // Its own mark (a token it sent whose answer was unusable) is no other tab's successor to wait for.
    if (sent !== null && sent !== ownMark && (await lock?.isMarked?.(sent)) === true) {
      const waitFrom = clock.now();
      const caught = await catchUp(base, sent, ctx);
      options.note?.({ type: 'lock-wait', wait: 'catch-up', waitedMs: clock.now() - waitFrom });
      ensureCurrent(ctx);
      const outcome = settled(caught, ctx);
      if (outcome !== null) return outcome;
      if (caught.kind === 'newer') base = caught.tokens;
    }
    const mark = base.refreshToken === null ? null : markName(base.refreshToken);
    const release = mark !== null && lock?.mark ? lock.mark(mark) : () => undefined;
    let result: EndpointResult;
    try {
      result = await call(base.refreshToken, ctx);
      releaseMark();
      releaseMark = release;
      ownMark = mark;
      if (ctx.disposed()) flowDispose();
    } catch (error) {
      if (!isEndpointFailure(error) || error.failure.kind !== 'terminal') {
        // Not answered, or not usable: the token may be unspent, another tab may post it — but not before a `Retry-After`.
        const wait = isEndpointFailure(error) && error.failure.kind === 'transient' ? error.failure.retryAfterMs : undefined;
        if (wait !== undefined) {
          ctx.retryAfter(clock.now() + wait);
          await persistence.setRetryAfter(clock.now() + wait);
        }
        ctx.failedAt(clock.now());
        release();
        throw error;
      }
      // On a rejected grant, look once more: another tab may have rotated the token, or logged out, meanwhile.
      const winner = await look(base, ctx);
      const outcome = winner.kind === 'newer' ? { kind: 'adopted' as const, tokens: winner.tokens } : settled(winner, ctx);
      if (outcome !== null) {
        release();
        return outcome;
      }
      // The token is spent for good. Its mark stays held (a tab whose view of the store lags waits for
      // it to catch up rather than post the token), and before the lock passes on the store forgets it
      // (the next tab to take the lock reads an empty store: the session ended), records it as spent
      // (an instance started from the same refresh key never stored it), and the other contexts hear it.
      releaseMark();
      releaseMark = release;
      ownMark = mark;
      await persistence.clearIf((stored) => stored.kind === 'session' && sameSession(stored.tokens, base)).catch(() => undefined);
      const entry = spentEntry(base);
      if (entry) {
        ctx.spent(base, entry.slice(0, 8));
        await persistence.addSpent(entry);
      }
      throw error;
    }
    const parsed = parseTokenResponse(result.body, { receivedAt: result.receivedAt, serverOffset: result.serverOffset, previousRefreshToken: base.refreshToken, previousScope: base.scope, jkt: result.jkt });
    const generation = Math.max(base.generation, ctx.generationFloor()) + 1;
    if (parsed.ok) return store({ ...parsed.tokens, ...idTokenOf(base), generation, sessionId: base.sessionId }, base, ctx);
    // Unusable, but the server may have spent the old refresh token: keep the one it rotated to.
    const rotated = rotatedRefreshToken(result.body, base.refreshToken);
    if (rotated === null) throw parsed.problem;
    const kept = await store({ ...base, refreshToken: rotated, generation }, base, ctx);
    return kept.kind === 'rotated' ? { ...kept, unusable: parsed.problem } : kept;
  }

  const lockNote = (note: NonNullable<Note>, acquired: boolean, waitedMs: number): void => {
    if (!acquired) note({ type: 'lock-timeout', waitedMs, timeoutMs: options.lockTimeout });
    else if (waitedMs > 0) note({ type: 'lock-wait', wait: 'lock', waitedMs });
  };

  return {
    // Tabs that gave up on a stuck lock holder go on one at a time through a second lock, so the
    // first one's mark is seen by the others before they post.
    run(ctx: RefreshContext): Promise<RefreshOutcome> {
      const asked = clock.now();
      return lock
        ? lock.run(options.lockName, options.lockTimeout, (acquired) => {
            if (options.note) lockNote(options.note, acquired, clock.now() - asked);
            return acquired ? locked(ctx) : lock.run(`${options.lockName}:fallback`, options.lockTimeout, () => locked(ctx));
          })
        : locked(ctx);
    },
    /** Releases this client's mark (dispose). */
    dispose: flowDispose,
  };
}
