import type { RefreshError } from '../errors';
import type { StartSource } from '../events';
import type { TokenSet } from './token-set';

/**
 * The refresh policy's memory of a session (the "backing off" facet of `active`): transient failures
 * in a row, when they came back, when the next background attempt may go, and a server's
 * `Retry-After` (here, or told by another tab). Forgotten when new tokens land.
 */
export interface Retry {
  readonly failures: number;
  /** When the last transient failure here came back: requests may probe again `backoff.base` after it. */
  readonly failedAt: number;
  /** When another tab's refresh of this session last failed transiently. */
  readonly remoteFailedAt: number;
  /** When the background timer (and `refresh()`) may try again; `null` when no failure is pending. */
  readonly retryAt: number | null;
  /** The wait `retryAt` was set with: a device clock that went back since cannot stretch it. */
  readonly retryDelay: number;
  /** A server-given `Retry-After`: nothing is sent before it, on any path. */
  readonly serverRetryAt: number | null;
  /** `online` / resume skipped the backoff once in this streak (a flapping network cannot defeat it). */
  readonly skipped: boolean;
  /** The pending failure (a retry is owed); `null` when none. */
  readonly error: RefreshError | null;
}

export const CALM: Retry = {
  failures: 0,
  failedAt: 0,
  remoteFailedAt: Number.NEGATIVE_INFINITY,
  retryAt: null,
  retryDelay: 0,
  serverRetryAt: null,
  skipped: false,
  error: null,
};

/** How and when the current session began here. */
export interface Since {
  readonly generation: number;
  /** Local clock. */
  readonly at: number;
  readonly source: StartSource;
}

/**
 * The states of a client's session. Every state carries its `epoch` (bumped by every end and every
 * new start, so nothing from an older session lands in a newer one) and `seen`, the highest
 * generation seen here, in the store or in a broadcast (a new token set is numbered above it).
 *
 * Refreshing and backing off are facets of `active`, not states of their own: a refresh in flight
 * and a pending failure both leave the session usable (requests still get the current token), and
 * a refresh can be in flight while a backoff is pending (a request probing the endpoint).
 */
export type SessionState =
  /** The stored session has not been read yet. */
  | { readonly kind: 'loading'; readonly epoch: number; readonly seen: number }
  /** No session. `ended`: the last session that ended here (a logout names it to the other tabs). */
  | { readonly kind: 'signed-out'; readonly epoch: number; readonly seen: number; readonly ended: TokenSet | null }
  | {
      readonly kind: 'active';
      readonly epoch: number;
      readonly seen: number;
      readonly tokens: TokenSet;
      readonly since: Since;
      /** The session is (or was) in shared storage: an empty store then means another tab ended it. */
      readonly persisted: boolean;
      /** The store is empty because this client's own write failed, and nobody touched it since. */
      readonly ownsEmptyStore: boolean;
      /** A refresh is in flight (shown in the snapshot). */
      readonly refreshing: boolean;
      readonly retry: Retry;
    }
  /** Final: nothing lands any more. */
  | { readonly kind: 'disposed'; readonly epoch: number; readonly seen: number };

export type Active = Extract<SessionState, { kind: 'active' }>;

/** What a write of the session's tokens did (`saved` also: found in the store, written by another tab). */
export type Write = 'saved' | 'failed' | 'skipped';

export type Action =
  /** Storage read: nothing to start from. */
  | { readonly type: 'hydrated' }
  /**
   * While signed out, a new epoch begins (a login starts writing, another tab's session is adopted, a
   * logout): whatever waited in the old one gets `cause`.
   */
  | { readonly type: 'superseded'; readonly cause: unknown }
  /** A session starts here. */
  | { readonly type: 'started'; readonly tokens: TokenSet; readonly source: StartSource; readonly at: number; readonly write: Write }
  /** The refresh in flight began. */
  | { readonly type: 'refresh-started' }
  /** New tokens of this session, from this client's refresh or another tab's (`write` `saved` when found in the store). */
  | { readonly type: 'refreshed'; readonly tokens: TokenSet; readonly write: Write }
  /** Only the refresh token changed (an unusable answer rotated it): the failure that follows stays pending. */
  | { readonly type: 'kept'; readonly tokens: TokenSet; readonly write: Write }
  /** A refresh failed transiently at `at`; the next background attempt after `delay`. */
  | { readonly type: 'refresh-failed'; readonly at: number; readonly delay: number; readonly retryAfterMs: number | undefined; readonly error: RefreshError }
  /** The refresh in flight is over without new tokens (deferred, or its session ended). */
  | { readonly type: 'refresh-settled' }
  /** The server asked for no refresh before `until` (here or in another tab). */
  | { readonly type: 'retry-after'; readonly until: number }
  /** Another tab's refresh of this session failed transiently at `at`. */
  | { readonly type: 'remote-failed'; readonly at: number }
  /** `online` / resume: a pending retry goes now (once per failure streak). */
  | { readonly type: 'backoff-skipped'; readonly now: number }
  /** The clock read `now`: a device clock that went back shortens the waits to at most their length. */
  | { readonly type: 'clock-checked'; readonly now: number }
  /** Another context changed the store: an empty store is no longer this client's to fill. */
  | { readonly type: 'foreign-change' }
  | { readonly type: 'generation-seen'; readonly generation: number }
  /** The session ended (`cause`: the error its waiters and requests get). A replacement is an end, then a start. */
  | { readonly type: 'ended'; readonly cause: unknown }
  | { readonly type: 'disposed' };

export const LOADING_STATE: SessionState = { kind: 'loading', epoch: 0, seen: 0 };

/** New tokens in an active session; the store's answer to the write says whether it holds them. */
const withTokens = (s: Active, tokens: TokenSet, write: Write, retry: Retry, refreshing: boolean): Active => ({
  ...s,
  seen: Math.max(s.seen, tokens.generation),
  tokens,
  persisted: write === 'saved' || (write !== 'failed' && s.persisted),
  ownsEmptyStore: write === 'failed' || s.ownsEmptyStore,
  refreshing,
  retry,
});

/**
 * The one place a session changes state: pure. An action that does not apply to the current state (a
 * refresh result after an end, anything after dispose) returns the very same state.
 */
export function reduce(s: SessionState, action: Action): SessionState {
  if (s.kind === 'disposed') return s;
  if (action.type === 'disposed') return { kind: 'disposed', epoch: s.epoch, seen: s.seen };
  if (action.type === 'generation-seen') return action.generation > s.seen ? { ...s, seen: action.generation } : s;
  if (s.kind !== 'active') {
    switch (action.type) {
      case 'hydrated':
        return s.kind === 'loading' ? { kind: 'signed-out', epoch: s.epoch, seen: s.seen, ended: null } : s;
      case 'superseded':
        return { ...s, epoch: s.epoch + 1 };
      case 'started':
        return {
          kind: 'active',
          epoch: s.epoch,
          seen: Math.max(s.seen, action.tokens.generation),
          tokens: action.tokens,
          since: { generation: action.tokens.generation, at: action.at, source: action.source },
          persisted: action.write === 'saved',
          ownsEmptyStore: action.write === 'failed',
          refreshing: false,
          retry: CALM,
        };
    }
    // Everything else needs a session.
    return s;
  }
  const r = s.retry;
  switch (action.type) {
    case 'refresh-started':
      return { ...s, refreshing: true };
    case 'refresh-settled':
      return { ...s, refreshing: false };
    case 'refreshed':
      return withTokens(s, action.tokens, action.write, CALM, false);
    case 'kept':
      return withTokens(s, action.tokens, action.write, r, s.refreshing);
    case 'refresh-failed': {
      const { at, delay, retryAfterMs } = action;
      const serverRetryAt = retryAfterMs === undefined ? r.serverRetryAt : Math.max(r.serverRetryAt ?? 0, at + retryAfterMs);
      return { ...s, refreshing: false, retry: { ...r, failures: r.failures + 1, failedAt: at, retryDelay: delay, retryAt: at + delay, serverRetryAt, error: action.error } };
    }
    case 'retry-after':
      return { ...s, retry: { ...r, serverRetryAt: Math.max(r.serverRetryAt ?? 0, action.until) } };
    case 'remote-failed':
      return { ...s, retry: { ...r, remoteFailedAt: Math.max(r.remoteFailedAt, action.at) } };
    case 'backoff-skipped':
      return r.error === null || r.skipped || r.retryAt === null
        ? s
        : { ...s, retry: { ...r, skipped: true, retryAt: Math.min(r.retryAt, action.now), remoteFailedAt: Number.NEGATIVE_INFINITY } };
    case 'clock-checked': {
      const { now } = action;
      const retryAt = r.retryAt !== null && r.retryAt - now > r.retryDelay ? now + r.retryDelay : r.retryAt;
      return { ...s, retry: { ...r, retryAt, failedAt: Math.min(r.failedAt, now), remoteFailedAt: Math.min(r.remoteFailedAt, now) } };
    }
    case 'foreign-change':
      return { ...s, ownsEmptyStore: false };
    case 'ended':
      return { kind: 'signed-out', epoch: s.epoch + 1, seen: s.seen, ended: s.tokens };
  }
  // Starts need a signed-out client (a start ends the previous session first).
  return s;
}

/** The tokens of the current session, `null` when there is none. */
export const tokensOf = (s: SessionState): TokenSet | null => (s.kind === 'active' ? s.tokens : null);
