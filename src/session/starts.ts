import { DisposedError, NotAuthenticatedError, RefreshError, SessionEndedError } from '../errors';
import type { EndpointResult, TokenEndpoint } from '../endpoint/token-endpoint';
import type { Emitter, StartSource } from '../events';
import type { Note } from '../diagnostics';
import { createCookieResume, type CookieResume, type CookieResumeOptions } from './cookie-resume';
import { createIntents } from './intents';
import { loginError } from './login-error';
import type { Machine } from './machine';
import type { LoadResult, Persistence } from './persistence';
import type { SessionSnapshot } from './snapshot';
import { tokensOf, type Write } from './state';
import { derivedSessionId, idTokenOf, loginTokenSet, type TokenSet } from './token-set';

/** A token answer that starts a session; `idToken` only once its claims were checked. */
export type StartResult = EndpointResult & { idToken?: string };

export interface StartsOptions extends CookieResumeOptions {
  endpoint: TokenEndpoint;
  persistence: Persistence;
  emitter: Emitter;
  note?: Note;
  /** The scope requested on login (an answer without `scope` granted it). */
  scope?: string | null;
  /** A pre-issued refresh key to start from when storage holds no session. */
  refreshKey: string | null;
  /** Cookie mode: with no stored session, start-up (and `refresh()` while signed out) tries the HttpOnly refresh cookie. */
  resumeFromCookie?: boolean;
}

/**
 * How sessions begin and end at the user's word: hydration from the store (or a refresh key, or the
 * refresh cookie), every start (login, code exchange, `setSession`, cookie resume) and `logout()`.
 * A start ends the previous session as `replaced`, stores, then commits; only a `logout()`, a newer
 * start or `dispose()` after it began refuses it (what it minted is then revoked).
 */
export function createStarts(machine: Machine, options: StartsOptions, resync: () => void) {
  const { endpoint, persistence, emitter } = options;
  const intents = createIntents();
  /** Starts writing their session: storage changes meanwhile are their own, or settled after them. */
  let starting = 0;
  const disposed = () => machine.read().kind === 'disposed';
  const epoch = () => machine.read().epoch;

  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const waitReady = (signal?: AbortSignal | null): Promise<void> | undefined => (machine.read().kind === 'loading' ? machine.waiters.wait(ready, signal) : undefined);

  /** A login answer that must not land (a logout, a newer login or dispose came after it began): what it minted is revoked. */
  function discard(next: TokenSet): never {
    const refusal = intents.refusal(disposed());
    // In cookie mode (no refresh token here) the cookie is the browser's, shared with every tab and the next
    // page load: it is cleared only for a logout (a dispose or a newer login's cookie is left alone).
    if (next.refreshToken !== null || refusal.reason === 'logout') void endpoint.revoke(next.refreshToken);
    throw refusal;
  }

  /** Starts a new session from `next` (a login answer): ends the previous one as replaced, stores, commits. */
  async function begin(next: TokenSet, mine: number, source: StartSource): Promise<SessionSnapshot> {
    const stillMine = () => intents.isCurrent(mine) && !disposed();
    if (!stillMine()) return discard(next);
    starting++;
    try {
      const previous = tokensOf(machine.read());
      if (!machine.end('replaced', 'local')) machine.dispatch({ type: 'superseded', cause: new SessionEndedError('replaced') });
      else if (previous !== null && previous.refreshToken !== null) void endpoint.revoke(previous.refreshToken);
      const at = epoch();
      let write: Write;
      try {
        write = (await persistence.save(next, () => at === epoch() && stillMine())).kind === 'saved' ? 'saved' : 'skipped';
      } catch {
        write = 'failed';
        machine.writeFailed();
      }
      if (at !== epoch() || !stillMine()) return discard(next);
      machine.started(next, source, write, true);
    } finally {
      starting--;
    }
    // Another tab's login may have written meanwhile: the store says which one is newest.
    resync();
    return machine.snapshot;
  }

  /**
   * Cookie mode, signed out: how a silent refresh with the HttpOnly cookie (start-up, or `refresh()`)
   * lands. It runs inside the refresh lock (`cookie-resume.ts`): the session is stored before another
   * tab may present the cookie, so that tab adopts it instead (`begin` takes no lock).
   */
  function landing(): (found: CookieResume) => Promise<SessionSnapshot> {
    const startEpoch = epoch();
    const mine = intents.peek();
    return async (found) => {
      if (found.kind === 'signed-out') throw new NotAuthenticatedError();
      if (found.kind === 'unavailable') throw new RefreshError('Could not reach the server to resume the session; try again.');
      const s = machine.read();
      if (found.kind === 'stored') {
        if (startEpoch === s.epoch && s.kind !== 'active' && s.kind !== 'disposed') machine.replace(found.tokens);
        return machine.snapshot;
      }
      let next: TokenSet;
      try {
        next = loginTokenSet(found.result, s.seen + 1, options.scope ?? null);
      } catch {
        throw new RefreshError('The server answered the refresh cookie unusably; try again.');
      }
      // A session began meanwhile (a login, another tab's resume adopted from the store): the resume yields to it.
      if (s.kind === 'active' || startEpoch !== s.epoch) return machine.snapshot;
      return begin(next, mine, 'cookie');
    };
  }
  const resumeFromCookie = createCookieResume(options, landing);

  async function hydrate(): Promise<void> {
    let loaded: LoadResult = { kind: 'empty' };
    try {
      loaded = await persistence.load();
    } catch {
      options.note?.({ type: 'storage-fallback', operation: 'read' });
      emitter.emit('session:error', { operation: 'storage-read', code: 'storage', message: 'Could not read the stored session.' });
    }
    if (disposed()) return;
    if (loaded.kind !== 'session' && options.resumeFromCookie === true && options.refreshKey === null) {
      // Still `loading` while the cookie is tried: a UI does not flash "signed out" before the session resumes.
      if (loaded.kind === 'invalid') emitter.emit('session:end', { reason: 'invalid-storage', origin: 'local' });
      await resumeFromCookie().catch(() => undefined);
      machine.dispatch({ type: 'hydrated' });
      // Signed out (no valid cookie, or the server unreachable: `refresh()` may try again).
      if (machine.read().kind === 'signed-out') machine.publish('session:loaded');
      return;
    }
    if (loaded.kind === 'session') return machine.started(loaded.tokens, 'storage', 'saved', false);
    const key = options.refreshKey;
    if (key !== null) {
      const t: TokenSet = { accessToken: null, refreshToken: key, expiresAt: null, receivedAt: machine.now(), scope: null, claims: null, generation: 1, sessionId: derivedSessionId('key', key) };
      return machine.started(t, 'refresh-key', 'skipped', false);
    }
    machine.dispatch({ type: 'hydrated' });
    if (loaded.kind === 'invalid') emitter.emit('session:end', { reason: 'invalid-storage', origin: 'local' });
    machine.publish(loaded.kind === 'invalid' ? 'session:end' : 'session:loaded');
  }
  void hydrate().finally(readyResolve);

  /**
   * Starts a new session from the token answer `obtain` gets: the one way in for a login, a code
   * exchange and `setSession`. The answer is parsed and validated like a refresh answer; a failure is a
   * `LoginError`. Only a `logout()`, a newer start or `dispose()` after it began refuses it.
   */
  async function start(obtain: () => Promise<StartResult>): Promise<SessionSnapshot> {
    if (disposed()) throw new DisposedError();
    await waitReady();
    const mine = intents.start();
    let next: TokenSet;
    try {
      const result = await obtain();
      next = { ...loginTokenSet(result, machine.read().seen + 1, options.scope ?? null), ...idTokenOf(result) };
    } catch (error) {
      throw loginError(error, endpoint.at.login);
    }
    return begin(next, mine, 'login');
  }

  /** Ends the session with `reason` (or, signed out, starts a new epoch), clears the store, tells everyone. */
  async function signOut(reason: 'logout' | 'revoked'): Promise<TokenSet | null> {
    const s = machine.read();
    // Disposed before the store was read: the session to end (and revoke) is the stored one.
    const stored = s.kind === 'disposed' ? await persistence.load().catch(() => null) : null;
    const previous = stored?.kind === 'session' ? stored.tokens : tokensOf(s);
    const ended = previous ?? (s.kind === 'signed-out' ? s.ended : null);
    if (!machine.end(reason, 'local') && reason === 'logout') machine.dispatch({ type: 'superseded', cause: new SessionEndedError('logout') });
    await persistence.clear();
    machine.loggedOut(ended);
    return previous;
  }

  return {
    ready,
    waitReady,
    get starting(): boolean {
      return starting > 0;
    },
    start,
    resumeFromCookie,

    /** Local logout first (final, immediate); revocation is returned separately and never blocks. */
    async logout(): Promise<{ revocation: Promise<boolean> }> {
      if (disposed()) throw new DisposedError();
      intents.logout();
      // Hydrated, the local logout happens within this call: a `dispose()` right after it cannot undo the
      // end (a refresh in flight then never lands) or keep the refresh token from being revoked.
      if (machine.read().kind === 'loading') await ready;
      const previous = await signOut('logout');
      // Signed out here, a cookie-mode session may still hold its HttpOnly cookie: `revoke(null)` clears it (a no-op otherwise).
      const revocation = endpoint.revoke(previous?.refreshToken ?? null);
      return { revocation };
    },

    /** The server already revoked this session (`auth.sessions.revoke` of its own key): ends it like a logout, reason `revoked`, nothing sent. */
    async endRevoked(): Promise<void> {
      await ready;
      if (machine.read().kind === 'active') await signOut('revoked');
    },

    dispose: readyResolve,
  };
}
