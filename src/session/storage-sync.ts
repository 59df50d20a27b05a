import type { Persistence } from './persistence';
import { sameSession, supersedes } from './refresh-flow';
import type { SessionCore } from './refresher';

/** What following other tabs needs from the coordinator's state machine. */
export interface SyncCore extends Pick<SessionCore, 'tokens' | 'epoch' | 'disposed' | 'persisted' | 'commit' | 'end'> {
  /** Generation at which the current session started: a remote logout older than it does not apply. */
  readonly startGeneration: number;
  readonly refreshing: boolean;
  /** A session is about to be adopted while signed out: starts a new epoch. */
  beginEpoch(): void;
}

/** Follows what other tabs (or instances) sharing the store did: a newer session, or a logout. */
export function createStorageSync(core: SyncCore, persistence: Persistence) {
  /** The shared key changed (storage event, or a broadcast): adopt a newer session, or follow its removal. */
  async function syncFromStorage(): Promise<void> {
    if (core.disposed) return;
    const epoch = core.epoch;
    const loaded = await persistence.load().catch(() => null);
    // A logout, login or end happened while the store was read: what was read predates it.
    if (loaded === null || core.disposed || core.epoch !== epoch) return;
    const t = core.tokens;
    if (loaded.kind === 'session') {
      // A refresh in flight re-reads storage under the lock and adopts from there.
      if (core.refreshing || (t !== null && !supersedes(loaded.tokens, t))) return;
      if (t === null) core.beginEpoch();
      core.persisted = true;
      core.commit(loaded.tokens, 'remote', false);
    } else if (t !== null && core.persisted) {
      // Emptied by another tab (a logout), even in the middle of a refresh of ours: that refresh cannot land.
      core.end('remote', 'remote');
    }
  }

  return {
    syncFromStorage,

    /** Another tab logged out at `generation`: end a session that started no later than that. */
    async remoteLogout(generation: number): Promise<void> {
      const t = core.tokens;
      if (t === null) return;
      // Generations are counted per tab and can lag (a missed broadcast): the store tells whether that logout applies here.
      if (core.startGeneration > generation) return syncFromStorage();
      if (!core.end('remote', 'remote')) return;
      // A refresh of ours may have landed in storage after that tab cleared it: remove it again.
      await persistence.clearIf((stored) => stored.kind === 'session' && sameSession(stored.tokens, t));
    },
  };
}
