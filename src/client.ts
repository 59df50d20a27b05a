import ky, { type KyInstance } from 'ky';
import { createSessionsApi, type SessionsApi } from './endpoint/sessions-api';
import { createTokenEndpoint, withoutRefreshToken } from './endpoint/token-endpoint';
import { withheldNote } from './diagnostics';
import { createEmitter, type AuthEventName, type AuthEvents, type Unsubscribe } from './events';
import { createAuthFetch, createFetch, type FetchLike } from './http/auth-fetch';
import { createAuthHooks } from './http/auth-hooks';
import { isTokenRejected } from './http/challenge';
import { createOriginCheck } from './http/origins';
import { INTERNALS, type ClientInternals } from './internals';
import { normalizeOptions, type AuthClientOptions } from './options';
import { createCoordinator } from './session/coordinator';
import { createPersistence } from './session/persistence';
import { createRevoker } from './session/revoker';
import type { SessionSnapshot } from './session/snapshot';
import { createScheduler } from './session/scheduler';

export interface AuthClient {
  /** ky instance: Bearer attached for trusted origins, refreshed and replayed as needed. `extend()`ed children share the session. */
  readonly http: KyInstance;
  /**
   * A fetch-compatible function with the same rules as `http` (trusted origins only, single-flight
   * refresh, one replay with the body), for fetch-based clients: `createClient({ fetch: auth.fetch })`.
   * Relative URL strings resolve against `baseUrl`. Resolves with the Response whatever its status (a
   * 401 it could not replay included); rejects where fetch does (network, abort) and with typed errors
   * (`SessionEndedError` when the session ended on the way, `RefreshError`, ...).
   */
  readonly fetch: FetchLike;
  /** The current session, readable synchronously. Never holds a token. */
  readonly session: SessionSnapshot;
  /** Resolves once the stored session (if any) has been read. */
  readonly ready: Promise<void>;
  /** Signs in with the login endpoint (JSON body, or `grant_type=password` with `protocol: 'oauth'`). */
  login(credentials: Readonly<Record<string, unknown>>): Promise<SessionSnapshot>;
  /**
   * Starts a session from tokens obtained elsewhere (a code flow run by another library, a native SDK, a
   * server-rendered page): an RFC 6749 §5.1 token response, snake_case or camelCase. It is validated like a
   * refresh answer (a `LoginError` when unusable), persisted and shared with other tabs; a session already
   * present ends as `replaced`. An `id_token` in it is ignored (`codeFlow` checks and keeps ID tokens).
   */
  setSession(tokenResponse: Readonly<Record<string, unknown>>): Promise<SessionSnapshot>;
  /** Ends the session locally at once, everywhere; revokes at the server in the background (`revocation` tells how that went). */
  logout(): Promise<{ revocation: Promise<boolean> }>;
  /** Refreshes now (joins a refresh already in flight). */
  refresh(): Promise<SessionSnapshot>;
  /** A valid access token (refreshed first when due), or `null` when signed out. */
  getAccessToken(signal?: AbortSignal): Promise<string | null>;
  /** The user's sessions (devices, service keys) through the server's key admin API (`endpoints.keys`). */
  readonly sessions: SessionsApi;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends AuthEventName>(type: K, listener: (payload: AuthEvents[K]) => void): Unsubscribe;
  /** Stops timers, listeners and channels; every pending waiter settles with a `DisposedError`. */
  dispose(): void;
}

/** Creates a client. Nothing is shared between clients: each has its own session and its own refresh. */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const o = normalizeOptions(options);
  const instanceId = Math.random().toString(36).slice(2, 10);
  const emitter = createEmitter(o.onListenerError);
  // DPoP: one key per client id and storage key (shared by the tabs of an origin).
  const dpop = options.dpop?.create(o) ?? null;
  const stored = createPersistence(o.storage, o.storageKey, () => o.clock.now(), { clock: o.clock, ms: o.timeout });
  const persistence = dpop?.observe(stored) ?? stored;
  // The resolved options carry the endpoint's settings under the same names.
  const endpoint = createTokenEndpoint({ ...o, headers: o.endpointHeaders, dpop });
  // Revocation retries a transient failure later (bounded) and reports giving up as `session:error`.
  const revoker = createRevoker({
    attempt: endpoint.revokeOnce,
    clock: o.clock,
    backoff: o.backoff,
    random: o.random,
    onError: (error) => emitter.emit('session:error', error),
  });
  let scheduler: ReturnType<typeof createScheduler> | undefined;
  const coordinator = createCoordinator({
    endpoint: { ...endpoint, revoke: revoker.revoke },
    persistence,
    emitter,
    clock: o.clock,
    lock: o.lock,
    lockName: `tokenflight:${o.storageKey}`,
    lockTimeout: o.lockTimeout,
    callTimeout: o.timeout,
    margin: o.margin,
    backoff: o.backoff,
    random: o.random,
    refreshKey: o.refreshKey,
    scope: o.scope ?? null,
    refreshesWithoutToken: o.cookie || o.customRefresh !== undefined,
    resumeFromCookie: o.cookie && o.customRefresh === undefined,
    note: o.note,
    schedule: () => scheduler?.reschedule(),
    broadcast(message) {
      try {
        o.channel?.post({ ...message, from: instanceId });
      } catch {
        // A channel that throws: other contexts still converge through storage.
      }
    },
  });
  scheduler = createScheduler({ coordinator, clock: o.clock, lifecycle: o.lifecycle, enabled: o.autoRefresh });

  const unsubscribers: Array<() => void> = [
    persistence.subscribe(() => {
      coordinator.foreignChange();
      void coordinator.syncFromStorage();
    }),
    o.channel?.subscribe((message) => {
      if (message.from === instanceId) return;
      coordinator.foreignChange();
      coordinator.sawGeneration(message.generation);
      if (message.type === 'logout') void coordinator.remoteLogout({ sid: message.sid ?? null, at: message.at ?? null, generation: message.generation });
      else if (message.type === 'backoff') coordinator.remoteBackoff(message.sid, message.until);
      else if (message.type === 'failed') coordinator.remoteFailure(message.sid, message.at);
      else if (message.type === 'spent') coordinator.remoteSpent(message.sid, message.fp);
      else void coordinator.syncFromStorage();
    }) ?? (() => undefined),
  ];

  // Bumped when a session starts or ends here: what `auth.sessions` learnt about "its own" session is tied to one session.
  let sessionSerial = 0;
  const bump = () => void sessionSerial++;
  emitter.on('session:start', bump);
  emitter.on('session:end', bump);

  const wrap = createAuthFetch({
    session: coordinator,
    isTrusted: createOriginCheck(o.origins),
    shouldRefresh: o.shouldRefresh ?? isTokenRejected,
    dpop,
    withheld: o.note && ((url) => o.note?.(withheldNote(url, o.origins))),
  });
  const hooks = createAuthHooks(wrap, o.fetch);
  const http = ky.create({ ...o.http, baseUrl: o.baseUrl }).extend({ hooks: { init: [hooks.init], beforeError: [hooks.beforeError] } });

  /** A logout in progress: a dispose() meanwhile closes the channel only once it has told the other tabs. */
  let telling: Promise<void> | null = null;
  const internals: ClientInternals = { endpoint, coordinator, options: o };

  const client: AuthClient = {
    http,
    fetch: createFetch(wrap, o.fetch, o.baseUrl),
    get session() {
      return coordinator.snapshot;
    },
    ready: coordinator.ready,
    login: (credentials) => coordinator.login(credentials),
    setSession: (tokenResponse) =>
      // In cookie mode the refresh token lives only in the cookie: one handed over here is dropped, never stored.
      coordinator.start(async () => ({ body: o.cookie ? withoutRefreshToken(tokenResponse) : tokenResponse, receivedAt: o.clock.now(), serverOffset: 0 })),
    async logout() {
      const out = coordinator.logout();
      const told: Promise<void> = (telling = out.then(
        () => void (telling === told && (telling = null)),
        () => void (telling === told && (telling = null)),
      ));
      const result = await out;
      await dpop?.loggedOut();
      return result;
    },
    refresh: () => coordinator.refresh(),
    async getAccessToken(signal) {
      return (await coordinator.usable(signal))?.accessToken ?? null;
    },
    sessions: createSessionsApi(http, o.keysUrl, { session: () => sessionSerial, endCurrent: () => coordinator.endRevoked() }),
    on: (type, listener) => emitter.on(type, listener),
    dispose() {
      revoker.dispose();
      scheduler?.dispose();
      for (const unsubscribe of unsubscribers) unsubscribe();
      const close = () => o.channel?.close();
      if (telling === null) close();
      else void telling.then(close);
      coordinator.dispose();
    },
  };
  Object.defineProperty(client, INTERNALS, { value: internals });
  return client;
}
