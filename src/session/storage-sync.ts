import type { Note } from '../diagnostics';
import type { Machine } from './machine';
import type { LoadResult, Persistence } from './persistence';
import { supersedes } from './refresh-flow';
import type { Active, SessionState } from './state';
import { sameSessionId, type TokenSet } from './token-set';

/** A logout another tab announced: the session it ended, when, and the highest generation it knew. */
export interface RemoteLogout {
  sid: string | null;
  at: number | null;
  generation: number;
}

/** What the store, changed by another context, means for this client's session. */
type Follow =
  /** Another session is in the store (another tab signed in): it starts here, ending this one. */
  | { kind: 'other-session'; tokens: TokenSet }
  /** Newer tokens of this session. */
  | { kind: 'newer'; tokens: TokenSet }
  /** Emptied by another tab (a logout, a rejected refresh token): this session ends. */
  | { kind: 'ended' }
  | { kind: 'nothing' };

/** `refreshing`: a refresh of this session is in flight (it re-reads the store under the lock and adopts from there). */
function follow(loaded: LoadResult, s: SessionState, refreshing: boolean): Follow {
  const t = s.kind === 'active' ? s.tokens : null;
  if (loaded.kind === 'session') {
    const stored = loaded.tokens;
    if (t === null || !sameSessionId(stored.sessionId, t.sessionId)) return { kind: 'other-session', tokens: stored };
    return !refreshing && supersedes(stored, t) ? { kind: 'newer', tokens: stored } : { kind: 'nothing' };
  }
  // Emptied even in the middle of a refresh of ours: that refresh cannot land.
  return s.kind === 'active' && s.persisted ? { kind: 'ended' } : { kind: 'nothing' };
}

/**
 * Whether another tab's logout ends `s`: the session it named, and every session that started here
 * no later than the logout — also one that never reached the store (a failed write). A session that
 * began after it (a login here since) is kept.
 */
const logoutEnds = (message: RemoteLogout, s: Active): boolean =>
  (message.sid !== null && sameSessionId(message.sid, s.tokens.sessionId)) || (message.at !== null ? s.since.at <= message.at : s.since.generation <= message.generation);

export interface StorageSyncDeps {
  machine: Machine;
  persistence: Persistence;
  /** Settles once the stored session was read (or the client disposed). */
  hydrated: Promise<void>;
  /** A login is writing its own session: what the store shows meanwhile is settled after it. */
  starting: () => boolean;
  /** A refresh of this session is in flight. */
  refreshing: () => boolean;
  note: Note;
}

/** Follows what other tabs (or instances) sharing the store did: newer tokens, another login, or a logout. */
export function createStorageSync({ machine, persistence, hydrated, starting, refreshing, note }: StorageSyncDeps) {
  /** The shared key changed (storage event, or a broadcast): adopt newer tokens, follow another session, or its removal. */
  async function syncFromStorage(): Promise<void> {
    const before = machine.read();
    if (before.kind === 'disposed' || starting()) return;
    const loaded = await persistence.load().catch(() => null);
    const s = machine.read();
    // A logout, login or end happened while the store was read: what was read predates it.
    if (loaded === null || s.kind === 'disposed' || starting() || s.epoch !== before.epoch) return;
    if (loaded.kind === 'session') machine.dispatch({ type: 'generation-seen', generation: loaded.tokens.generation });
    const step = follow(loaded, s, refreshing());
    if (step.kind === 'nothing') return;
    if (step.kind === 'ended') return void machine.end('remote', 'remote');
    note?.({ type: 'adopt', kind: step.kind, via: 'storage', generation: step.tokens.generation });
    // Another tab signed in (as someone else, or again): this session ends, that one starts here;
    // a refresh of ours in flight can no longer land (the epoch moves on).
    if (step.kind === 'other-session') machine.replace(step.tokens);
    else machine.refreshed(step.tokens, 'remote', 'saved', false);
  }

  return {
    syncFromStorage,

    /** Another tab logged out: end this session if that logout covers it (`logoutEnds`), else re-read the store. */
    async remoteLogout(message: RemoteLogout): Promise<void> {
      // Told while this client still reads the store: the session it reads may be the one that logged out.
      if (machine.read().kind === 'loading') await hydrated;
      const s = machine.read();
      if (s.kind !== 'active') return;
      if (!logoutEnds(message, s)) return syncFromStorage();
      if (!machine.end('remote', 'remote')) return;
      // A refresh of ours may have landed in storage after that tab cleared it: remove it again.
      await persistence.clearIf((stored) => stored.kind === 'session' && sameSessionId(stored.tokens.sessionId, s.tokens.sessionId));
    },
  };
}
