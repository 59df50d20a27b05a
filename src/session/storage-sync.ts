import type { Note } from '../diagnostics';
import type { Persistence } from './persistence';
import { supersedes } from './refresh-flow';
import { sameSessionId } from './token-set';
import type { SessionCore } from './refresher';

/** What following other tabs needs from the coordinator's state machine. */
export interface SyncCore extends Pick<SessionCore, 'tokens' | 'epoch' | 'disposed' | 'persisted' | 'commit' | 'end' | 'replacedBy'> {
  /** Generation at which the current session started, and when (local clock). */
  readonly startGeneration: number;
  readonly startedAt: number;
  readonly refreshing: boolean;
  /** A login is writing its own session: what the store shows meanwhile is settled after it. */
  readonly starting: boolean;
  /** A session is about to be adopted while signed out: starts a new epoch. */
  beginEpoch(): void;
  sawGeneration(generation: number): void;
}

/** A logout another tab announced: the session it ended, when, and the highest generation it knew. */
export interface RemoteLogout {
  sid: string | null;
  at: number | null;
  generation: number;
}

/** Follows what other tabs (or instances) sharing the store did: newer tokens, another login, or a logout. */
export function createStorageSync(core: SyncCore, persistence: Persistence, note: Note = null) {
  /** The shared key changed (storage event, or a broadcast): adopt newer tokens, follow another session, or its removal. */
  async function syncFromStorage(): Promise<void> {
    if (core.disposed || core.starting) return;
    const epoch = core.epoch;
    const loaded = await persistence.load().catch(() => null);
    // A logout, login or end happened while the store was read: what was read predates it.
    if (loaded === null || core.disposed || core.starting || core.epoch !== epoch) return;
    const t = core.tokens;
    if (loaded.kind === 'session') {
      const stored = loaded.tokens;
      core.sawGeneration(stored.generation);
      const adopt = (kind: 'newer' | 'other-session') => note?.({ type: 'adopt', kind, via: 'storage', generation: stored.generation });
      if (t === null) {
        adopt('other-session');
        core.beginEpoch();
        core.persisted = true;
        core.commit(stored, 'remote', false);
      } else if (!sameSessionId(stored.sessionId, t.sessionId)) {
        // Another tab signed in (as someone else, or again): this session ends, that one starts here.
        // A refresh of ours in flight can no longer land (the epoch moves on).
        adopt('other-session');
        core.replacedBy(stored);
      } else if (!core.refreshing && supersedes(stored, t)) {
        // (A refresh in flight re-reads storage under the lock and adopts from there.)
        adopt('newer');
        core.persisted = true;
        core.commit(stored, 'remote', false);
      }
    } else if (t !== null && core.persisted) {
      // Emptied by another tab (a logout, a rejected refresh token), even in the middle of a refresh of ours: that refresh cannot land.
      core.end('remote', 'remote');
    }
  }

  return {
    syncFromStorage,

    /**
     * Another tab logged out: that ends the session it named, and every session that started here
     * no later than the logout — also one that never reached the store (a failed write). A session
     * that began after it (a login here since) is kept.
     */
    async remoteLogout(message: RemoteLogout): Promise<void> {
      const t = core.tokens;
      if (t === null) return;
      const applies = (message.sid !== null && sameSessionId(message.sid, t.sessionId)) || (message.at !== null ? core.startedAt <= message.at : core.startGeneration <= message.generation);
      if (!applies) return syncFromStorage();
      if (!core.end('remote', 'remote')) return;
      // A refresh of ours may have landed in storage after that tab cleared it: remove it again.
      await persistence.clearIf((stored) => stored.kind === 'session' && sameSessionId(stored.tokens.sessionId, t.sessionId));
    },
  };
}
