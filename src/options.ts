import type { Options as KyOptions } from 'ky';
import type { DpopOption } from './dpop/session';
import { createNote, type DebugEntry } from './diagnostics';
import { ConfigError } from './errors';
import type { CustomRefresh } from './endpoint/token-endpoint';
import { defaultDeviceInfo } from './endpoint/device-info';
import { MAX_TIMER_MS, systemClock, type Clock } from './lifecycle/clock';
import { browserLifecycle } from './lifecycle/browser';
import type { LifecycleSource } from './lifecycle/signals';
import { isRefreshToken } from './session/b64token';
import { memoryStorage } from './session/storage/memory';
import { DEFAULT_STORAGE_KEY } from './session/storage/codec';
import type { StorageAdapter } from './session/storage/types';
import { defaultMargin } from './session/token-set';
import type { LockManager } from './sync/lock';
import { webLocksOn, type LockManagerLike } from './sync/web-locks';
import type { SyncChannel } from './sync/messages';

/** Paths (resolved against `baseUrl`) or absolute URLs of the auth endpoints. */
export interface AuthEndpoints {
  /** @default 'auth/login' (`'oauth/token'` with `protocol: 'oauth'`); `false` when the client never logs in itself */
  login?: string | false;
  /** @default 'auth/refresh' (`'oauth/token'` with `protocol: 'oauth'`) */
  refresh?: string;
  /** JSON logout endpoint, or the RFC 7009 revocation endpoint with `protocol: 'oauth'`. `false` to skip revocation.
   * @default 'auth/logout' (`'oauth/revoke'` with `protocol: 'oauth'`) */
  logout?: string | false;
  /** Key admin API behind `auth.sessions` (`GET` lists, `DELETE <keys>/:jti` revokes), called through `auth.http`. @default 'auth/keys' */
  keys?: string;
}

export interface AuthClientOptions {
  /** Base URL of the API (trailing `/` added when missing); `auth.http` resolves relative paths against it and its origin is trusted. */
  baseUrl: string;
  /** Other origins (exact scheme, host and port) that may receive the access token. @default [] */
  trustedOrigins?: readonly string[];
  /**
   * Accept plain `http://` for `baseUrl`, `trustedOrigins` and the endpoints on hosts other than this
   * machine. Tokens then cross the network in clear text: for development against a plain-HTTP server only.
   * Loopback hosts (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) never need it.
   * @default false
   */
  allowInsecureHttp?: boolean;
  endpoints?: AuthEndpoints;
  /**
   * `json`: JSON bodies (`{ refreshToken }`), camelCase or snake_case answers.
   * `oauth`: RFC 6749 token endpoint (form-encoded `grant_type=refresh_token`), RFC 7009 revocation.
   * @default 'json'
   */
  protocol?: 'json' | 'oauth';
  /** OAuth `client_id`. */
  clientId?: string;
  /** OAuth client secret (sent with HTTP Basic). Only for confidential clients, never in a browser. */
  clientSecret?: string;
  /** OAuth `scope` requested on login and refresh. */
  scope?: string;
  /** HttpOnly-cookie (backend-for-frontend) mode: the refresh token lives only in a cookie; requests to the auth endpoints use `credentials: 'include'`. @default false */
  cookie?: boolean;
  /** Replaces the built-in refresh call: receives the refresh token and a signal, returns the token response body. Throw a `SessionEndedError` to end the session. */
  refresh?: CustomRefresh;
  /** Extra headers sent to the login, refresh and logout endpoints (an API key such as Supabase's `apikey`, a tenant id). Never put a token here. @default {} */
  endpointHeaders?: Readonly<Record<string, string>>;
  /** Start from a pre-issued long-lived refresh key (service or script): no login step. */
  refreshKey?: string;
  /** Audience sent with refreshes (service refresh keys). */
  audience?: string;
  /** Short description sent with login and refresh so users recognise their sessions; `false` sends none. @default e.g. "Chrome on Linux", "node/24" */
  deviceInfo?: string | false;
  /** Where the session is kept. @default memoryStorage() */
  storage?: StorageAdapter;
  /** @default 'tokenflight.session' */
  storageKey?: string;
  /** Cross-tab lock around refresh. @default webLocks() when `storage` is shared with other tabs (not memory or sessionStorage), and in a browser's cookie mode; without Web Locks, the storage's own `lock` (webStorage: a lease in localStorage) */
  lock?: LockManager | false;
  /** Cross-tab channel. @default the shared `storage`'s own channel: `broadcastChannel('tokenflight:' + storageKey)` with `webStorage`; none for a store without one */
  channel?: SyncChannel | false;
  /** Longest wait for the cross-tab lock before refreshing without it (ms). @default 10000 */
  lockTimeout?: number;
  /** The fetch used for every request. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** @default systemClock (Date.now, setTimeout) */
  clock?: Clock;
  /** Visibility / online signals. @default browserLifecycle() (inert outside browsers) */
  lifecycle?: LifecycleSource;
  /** How long before expiry to refresh, given the token lifetime in ms. @default max(30 s, 10 % of lifetime) */
  refreshMargin?: (lifetimeMs: number) => number;
  /** Refresh in the background before expiry (paused while hidden or offline). @default true */
  autoRefresh?: boolean;
  /** Does this 401 mean the access token was rejected? @default 401 without a challenge or with a Bearer `invalid_token` challenge */
  shouldRefresh?: (response: Response) => boolean;
  /** Timeout of one token-endpoint call (ms). Long on purpose: a refresh that was sent is not abandoned lightly, since the server may already have rotated the token. @default 30000 */
  timeout?: number;
  /** Backoff after transient refresh failures (ms). @default { base: 1000, max: 60000 } */
  backoff?: { base?: number; max?: number };
  /** Random source for jitter. @default Math.random */
  random?: () => number;
  /** Extra ky options for `auth.http` (timeout, retry, headers, hooks...). */
  http?: Omit<KyOptions, 'baseUrl' | 'prefix'>;
  /** Receives errors thrown by event listeners. @default console.error */
  onListenerError?: (error: unknown) => void;
  /**
   * DPoP (RFC 9449): sender-constrained tokens. Pass `dpop()` (imported from `tokenflight`); without it
   * no DPoP code is bundled and a `token_type: DPoP` answer is refused.
   * @default undefined (Bearer only)
   * @example createAuthClient({ baseUrl, protocol: 'oauth', clientId: 'app', dpop: dpop() })
   */
  dpop?: DpopOption;
  /**
   * Diagnostics: receives what the client decided and why (a token withheld from an untrusted origin, a
   * refresh started, joined or skipped, a lock wait, a storage fallback, adopted tokens). Redacted: never
   * a token, key or password; URLs as origin + path. Off by default, and nothing is built while off.
   * @default undefined
   * @example createAuthClient({ baseUrl, debug: (entry) => console.debug('tokenflight', entry) })
   */
  debug?: (entry: DebugEntry) => void;
}

/**
 * Hosts that never leave this machine: W3C Secure Contexts §3.1 counts them as potentially trustworthy
 * (`localhost` and `*.localhost` per RFC 6761 §6.3, `127.0.0.0/8`, `[::1]`), so plain http to them
 * sends no token across a network. The URL parser has already normalised `127.1`, `0x7f.0.0.1`, case.
 */
const LOOPBACK = /^((.*\.)?localhost|\[::1\]|127\.\d+\.\d+\.\d+)\.?$/;

/**
 * `value` parsed against `base`, or a `ConfigError` naming the option. Tokens travel only over TLS:
 * RFC 6749 §3.1 and §3.2 (the endpoints that receive credentials and refresh tokens), RFC 6750 §5.3
 * (Bearer tokens), OAuth 2.1 draft §1.5. Plain http is refused unless it stays on this machine or the
 * caller opted in with `allowInsecureHttp` (`insecure`).
 */
const parse = (value: string, base: string | undefined, name: string, insecure: boolean): URL => {
  let parsed: URL;
  try {
    parsed = new URL(value, base);
  } catch {
    throw new ConfigError(`\`${name}\` is not a valid URL.`);
  }
  if (parsed.protocol === 'http:' && !insecure && !LOOPBACK.test(parsed.hostname)) {
    throw new ConfigError(`\`${name}\` (${parsed.origin}) is plain http:// to another host; tokens need TLS: use https://, or \`allowInsecureHttp: true\` in development.`);
  }
  return parsed;
};

/** Header names and values fetch accepts (no CR/LF, no non-Latin-1), checked once instead of failing every login. */
const validHeaders = (headers: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  try {
    new Headers(headers);
  } catch {
    throw new ConfigError('`endpointHeaders` holds a header name or value that HTTP does not allow.');
  }
  return { ...headers };
};

/** A page of a browser (tabs share its cookie jar), not Node, a worker or React Native. */
const inBrowser = (): boolean => typeof (globalThis as { document?: unknown }).document === 'object';

const positive = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`\`${name}\` must be a positive number.`);
  // No timer (nor ky's timeout, which throws beyond it) takes longer than 2^31-1 ms.
  return Math.min(value, MAX_TIMER_MS);
};

/** Validates once and fills every default in one place. */
export function normalizeOptions(options: AuthClientOptions) {
  if (typeof options !== 'object' || options === null) throw new ConfigError('Options are required.');
  if (typeof options.baseUrl !== 'string') throw new ConfigError('`baseUrl` is required.');
  const insecure = options.allowInsecureHttp === true;
  // A relative baseUrl ('/api/') resolves against the page; elsewhere it must be absolute.
  const base = parse(options.baseUrl.replace(/\/?$/, '/'), (globalThis as { location?: { href?: string } }).location?.href, 'baseUrl', insecure);
  const baseUrl = base.href;
  /** An endpoint URL, resolved against `baseUrl` and held to the TLS rule. */
  const endpoint = (value: string, name: string): string => parse(value, baseUrl, `endpoints.${name}`, insecure).href;
  const origins = [base, ...(options.trustedOrigins ?? []).map((origin) => parse(origin, baseUrl, 'trustedOrigins', insecure))].map((parsed, i) => {
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError('Trusted origins must be http(s).');
    // fetch refuses URLs with credentials: every request would fail with a raw TypeError.
    if (i === 0 && (parsed.username || parsed.password)) throw new ConfigError('`baseUrl` must not contain credentials.');
    // An origin is scheme, host and port: a path, query or credentials would suggest a scoping that is not enforced.
    if (i > 0 && (parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password)) {
      throw new ConfigError('`trustedOrigins` takes origins (scheme, host, port), without a path.');
    }
    return parsed.origin;
  });
  const oauth = options.protocol === 'oauth';
  if (options.protocol !== undefined && options.protocol !== 'json' && !oauth) throw new ConfigError('`protocol` must be "json" or "oauth".');
  const endpoints = options.endpoints ?? {};
  const login = endpoints.login ?? (oauth ? 'oauth/token' : 'auth/login');
  const logout = endpoints.logout ?? (oauth ? 'oauth/revoke' : 'auth/logout');
  const refreshKey = options.refreshKey;
  if (refreshKey !== undefined && !isRefreshToken(refreshKey)) {
    throw new ConfigError('`refreshKey` must be a non-empty token of printable ASCII (RFC 6749 refresh token).');
  }
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY;
  const shared = options.storage !== undefined && options.storage.shared !== false;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const navigatorLocks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  // The store brings its channel (webStorage: a BroadcastChannel), so a client on another store bundles none.
  const broadcastChannel = (name: string) => options.storage?.channel?.(name) ?? null;
  return {
    baseUrl,
    origins,
    protocol: oauth ? ('oauth' as const) : ('json' as const),
    loginUrl: login === false ? null : endpoint(login, 'login'),
    refreshUrl: endpoint(endpoints.refresh ?? (oauth ? 'oauth/token' : 'auth/refresh'), 'refresh'),
    revokeUrl: logout === false ? null : endpoint(logout, 'logout'),
    keysUrl: endpoint(endpoints.keys ?? 'auth/keys', 'keys'),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    audience: options.audience,
    cookie: options.cookie === true,
    customRefresh: options.refresh,
    endpointHeaders: validHeaders(options.endpointHeaders),
    refreshKey: refreshKey ?? null,
    deviceInfo: options.deviceInfo === false ? null : (options.deviceInfo ?? defaultDeviceInfo()),
    storage: options.storage ?? memoryStorage(),
    storageKey,
    // In a browser's cookie mode every tab presents the one cookie the browser holds, whatever the storage: the
    // lock keeps them from presenting it at once. (Elsewhere each client has its own cookie jar.)
    // Web Locks where the runtime has them, else the store's own lock (a lease in localStorage), else none.
    lock: options.lock === false ? null : (options.lock ?? (shared || (options.cookie === true && inBrowser()) ? (navigatorLocks ? webLocksOn(navigatorLocks, clock) : (options.storage?.lock?.({ clock, random }) ?? null)) : null)),
    channel: options.channel === false ? null : (options.channel ?? (shared ? broadcastChannel(`tokenflight:${storageKey}`) : null)),
    lockTimeout: positive(options.lockTimeout, 10_000, 'lockTimeout'),
    fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    clock,
    lifecycle: options.lifecycle ?? browserLifecycle(),
    margin: options.refreshMargin ?? defaultMargin,
    autoRefresh: options.autoRefresh !== false,
    shouldRefresh: options.shouldRefresh,
    timeout: positive(options.timeout, 30_000, 'timeout'),
    backoff: { base: positive(options.backoff?.base, 1000, 'backoff.base'), max: positive(options.backoff?.max, 60_000, 'backoff.max') },
    random,
    http: options.http ?? {},
    note: createNote(options.debug, () => clock.now()),
    onListenerError: options.onListenerError ?? ((error: unknown) => console.error('tokenflight: an event listener threw', error)),
  };
}

export type ResolvedOptions = ReturnType<typeof normalizeOptions>;
