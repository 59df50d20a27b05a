import { DisposedError } from '../errors';
import { createMachine, type MachineOptions } from './machine';
import { createRefresher, type RefresherOptions } from './refresher';
import { createRequestGate } from './request-gate';
import type { SessionSnapshot } from './snapshot';
import { createStarts, type StartsOptions } from './starts';
import { tokensOf } from './state';
import { createStorageSync, type RemoteLogout } from './storage-sync';
import { fingerprint, sameSessionId, type TokenSet } from './token-set';

export type CoordinatorOptions = RefresherOptions & Omit<StartsOptions, 'endpoint'> & Omit<MachineOptions, 'revoke'>;

/**
 * Owns the session of a client: its state machine (`machine.ts`: one `dispatch` over the pure reducer
 * of `state.ts`) and the ONE in-flight refresh (`refresher.ts`). The proactive timer, 401s,
 * `refresh()`, resume and other tabs all go through it; every token set carries a generation and a
 * session id, and every session an epoch, so nothing from an older session can land in a newer one.
 */
export function createCoordinator(options: CoordinatorOptions) {
  const machine = createMachine({ ...options, revoke: options.endpoint.revoke });
  const refresher = createRefresher(machine, options);
  const starts = createStarts(machine, options, () => void sync.syncFromStorage());
  const sync = createStorageSync({
    machine,
    persistence: options.persistence,
    hydrated: starts.ready,
    starting: () => starts.starting,
    refreshing: () => refresher.current() !== null,
    note: options.note ?? null,
  });
  const gate = createRequestGate(machine, refresher, starts.waitReady);
  const { waiters, now } = machine;
  const { refresh } = refresher;
  const live = (): TokenSet | null => tokensOf(machine.read());

  return {
    ready: starts.ready,
    get snapshot(): SessionSnapshot {
      return machine.snapshot;
    },
    get tokens(): TokenSet | null {
      return tokensOf(machine.read());
    },

    usable: gate.usable,
    assertCurrent: gate.assertCurrent,
    afterUnauthorized: gate.afterUnauthorized,
    rejectedAfterRefresh: gate.rejectedAfterRefresh,

    /** Manual refresh: joins one in flight; within a backoff it rejects at once with the pending `RefreshError` and sends nothing. */
    async refresh(): Promise<SessionSnapshot> {
      if (machine.read().kind === 'disposed') throw new DisposedError();
      await starts.waitReady();
      if (live() === null && options.resumeFromCookie === true) return starts.resumeFromCookie();
      if (refresher.current() === null && live() !== null) {
        const until = refresher.blocked('backoff');
        if (until !== null) throw refresher.backingOff(until);
      }
      await waiters.wait(refresh('manual'));
      return machine.snapshot;
    },

    /** Whether the background timer should fire now, and when. */
    nextWakeAt(): number | null {
      const t = live();
      // A refresh in flight re-arms the timer when it settles: no 1 ms re-arm loop meanwhile.
      if (t === null || refresher.current() !== null) return null;
      return refresher.retryAt() ?? (gate.isRefused(t) ? now() : machine.dueAt(t));
    },

    /** Timer, resume or reconnect (`force`: a pending retry goes at once, once per failure streak). */
    wake(force = false): void {
      const t = live();
      if (t === null || refresher.current() !== null) return;
      if (force) refresher.skipBackoff();
      if (refresher.blocked('backoff') !== null) return;
      if (refresher.failing() || gate.isRefused(t) || machine.isDue(t)) refresh('timer').catch(() => undefined);
    },

    start: starts.start,
    login: (credentials: Readonly<Record<string, unknown>>): Promise<SessionSnapshot> => starts.start(() => options.endpoint.login(credentials)),
    logout: starts.logout,
    endRevoked: starts.endRevoked,

    /** Another tab changed the shared session: adopt newer tokens, follow another login, or its logout. */
    syncFromStorage: sync.syncFromStorage,
    /** Another tab logged out: end a session that started no later than that logout. */
    remoteLogout: (message: RemoteLogout): Promise<void> => sync.remoteLogout(message),
    /** Another tab saw a generation (a newer session is numbered above it). */
    sawGeneration(generation: number): void {
      machine.dispatch({ type: 'generation-seen', generation });
    },
    /** Another context changed the store or said something: an empty store is no longer this client's to fill. */
    foreignChange(): void {
      machine.dispatch({ type: 'foreign-change' });
    },
    /** Another tab's refresh of this session failed transiently at `at`: this tab probes no sooner either. */
    remoteFailure(sid: string, at: number): void {
      const t = live();
      if (t !== null && sameSessionId(t.sessionId, sid)) {
        machine.dispatch({ type: 'remote-failed', at: Math.min(at, now()) });
        options.schedule();
      }
    },
    /** The server told another tab to wait until `until` before refreshing this session. */
    remoteBackoff(sid: string, until: number): void {
      const t = live();
      if (t !== null && sameSessionId(t.sessionId, sid) && until > now()) {
        machine.dispatch({ type: 'retry-after', until });
        options.schedule();
      }
    },

    /** Another context got a terminal answer for the refresh token of session `sid` with fingerprint `fp`: a session holding it ends, sending nothing. */
    remoteSpent(sid: string, fp: string): void {
      const t = live();
      if (t?.refreshToken != null && sameSessionId(t.sessionId, sid) && fingerprint(t.refreshToken) === fp) machine.end('remote', 'remote');
    },

    dispose(): void {
      if (machine.read().kind === 'disposed') return;
      machine.dispatch({ type: 'disposed' });
      refresher.dispose();
      waiters.rejectAll(new DisposedError());
      options.emitter.clear();
      starts.dispose();
    },
  };
}

export type Coordinator = ReturnType<typeof createCoordinator>;
