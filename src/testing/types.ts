import type { RequestHandler } from 'msw';

/** How presented refresh tokens are rotated. */
export type RotationMode = 'strict' | 'off' | { readonly leeway: number };

export interface AuthServerUser {
  readonly username: string;
  readonly password: string;
  /** Subject claim; defaults to the username. */
  readonly sub?: string;
  /** Space-separated scopes the user may be granted; defaults to 'read write'. */
  readonly scope?: string;
  /** Extra claims copied into every access token of the user. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface AuthServerOptions {
  /** Origin of every route (used by the MSW handlers). Default 'https://auth.test'. */
  readonly origin?: string;
  /** Access token lifetime in seconds. Default 300. */
  readonly accessTokenTtl?: number;
  /** Refresh key family lifetime in seconds. Default 30 days. Never grows on rotation. */
  readonly refreshKeyLifetime?: number;
  /** Default 'strict'. */
  readonly rotation?: RotationMode;
  readonly users?: readonly AuthServerUser[];
  /**
   * Registered OAuth clients: a `client_id`, or a client with the exact redirect URIs it may use.
   * A bare id may redirect to `http://app.test/callback` and return after logout to `http://app.test/`.
   * Default ['tokenflight'].
   */
  readonly clients?: readonly (string | AuthServerClient)[];
  /** Lifetime of an authorization code in seconds (RFC 6749 §4.1.2: short). Default 60. */
  readonly codeLifetime?: number;
  /** Lifetime of an ID token in seconds. Default 300. */
  readonly idTokenTtl?: number;
  /** Refresh token travels in an HttpOnly cookie instead of the JSON body. Default false. */
  readonly cookieMode?: boolean;
  /** Default audience of access tokens and the one the resource API accepts. Default 'tokenflight-api'. */
  readonly audience?: string;
  /** HS256 signing key. Default: random per server. */
  readonly secret?: string;
  /** Clock in epoch ms. Default reads Date.now() at call time. */
  readonly now?: () => number;
  /** DPoP (RFC 9449): proofs are always checked when sent; these options tune the checks. */
  readonly dpop?: DpopServerOptions;
}

/** The DPoP checks of the reference server. */
export interface DpopServerOptions {
  /** Accepted proof algorithms (`dpop_signing_alg_values_supported`). Default ['ES256', 'RS256', 'PS256', 'EdDSA']. */
  readonly algs?: readonly string[];
  /** Require server-provided nonces: `true` at both servers, `'as'` (token endpoints) or `'rs'` (API) only. Default false. */
  readonly nonce?: boolean | 'as' | 'rs';
  /** Rotate the nonce after this many accepted proofs; 0 never. Default 0. */
  readonly rotateNonceEvery?: number;
  /** Accepted distance of a proof's `iat` from the server clock, seconds. Default 60. */
  readonly proofWindow?: number;
  /** Token requests without a proof are refused (every new session is key-bound). Default false. */
  readonly required?: boolean;
}

/** Runtime DPoP controls and faults. */
export interface DpopControls {
  /** `true`: both servers require a nonce; `'as'` / `'rs'`: only that one; `false`: none. */
  requireNonce(faces: boolean | 'as' | 'rs'): void;
  /** Rotate the nonce every `count` accepted proofs (0: never). */
  rotateNonceEvery(count: number): void;
  /** Rotate the nonce now: the next proof carrying the old one gets a nonce challenge. */
  rotateNonce(): void;
  /** The next `times` proofs are refused as `invalid_dpop_proof`. */
  rejectNextProof(times?: number): void;
  /** The key thumbprint (`jkt`) a refresh key family is bound to, if any. */
  boundKey(jti: string): string | undefined;
}

/** A registered OAuth client of the authorization endpoint. */
export interface AuthServerClient {
  readonly clientId: string;
  /** Exact-match redirect URIs. Default ['http://app.test/callback']. */
  readonly redirectUris?: readonly string[];
  /** Where the end-session endpoint may send the browser back to. Default ['http://app.test/']. */
  readonly postLogoutRedirectUris?: readonly string[];
}

/**
 * Endpoints faults can be injected into. On `authorize`, an `oauth-error` fault is answered the way
 * RFC 6749 §4.1.2.1 says: a redirect back to the client with `error` (and `state`, `iss`); `delay` holds it.
 */
export type FaultEndpoint = 'login' | 'refresh' | 'token' | 'revoke' | 'logout' | 'resource' | 'keys' | 'authorize';

export type MalformedKind = 'html' | 'garbled-json' | 'missing-fields' | 'empty';

export type Fault =
  | {
      readonly type: 'status';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly type: 'oauth-error'; readonly error: string; readonly status?: number }
  | { readonly type: 'delay'; readonly ms: number }
  | { readonly type: 'network-error' }
  | { readonly type: 'rotate-then-drop' }
  | { readonly type: 'malformed'; readonly kind: MalformedKind };

export interface AuthServerCounters {
  loginCalls: number;
  refreshCalls: number;
  reuseDetections: number;
  unauthorized: number;
  forbidden: number;
  revocations: number;
  resourceRequests: number;
  requestsPerToken: Record<string, number>;
  requestsPerBody: Record<string, number>;
  refreshTokensSeenInUrl: number;
  bearerOnTokenEndpoint: number;
  /** DPoP proofs that passed every check. */
  dpopProofsAccepted: number;
  /** Refused proofs and presentations by reason (`nonce`, `jti-replay`, `htu`, `key-mismatch`, `bearer-for-bound`, ...). */
  dpopProofsRejected: Record<string, number>;
  /** `use_dpop_nonce` answers (both servers). */
  dpopNonceChallenges: number;
  /** Proofs refused because their `jti` was seen before. */
  dpopJtiReplays: number;
  /** Authorization requests answered with a code. */
  authorizations: number;
  /** Authorization codes exchanged for tokens. */
  codesExchanged: number;
  /** Code exchanges refused for a missing or wrong PKCE verifier. */
  pkceFailures: number;
  /** Codes presented a second time (what they issued is revoked). */
  codeReuse: number;
  /** Calls to the end-session endpoint (RP-initiated logout). */
  endSessions: number;
}

/** Claims a refresh key grants to the access tokens minted from it. */
export interface RefreshKeyContent {
  readonly sub: string;
  readonly scope: string;
  readonly [claim: string]: unknown;
}

/** One refresh token, as the server stores it (never the raw token). */
export interface RefreshKeyRecord {
  readonly jti: string;
  readonly username: string;
  readonly audience: string;
  /** Lifetime of the key family in seconds. */
  readonly lifetime: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly content: RefreshKeyContent;
  /** Hex SHA-256 of the raw token. */
  readonly tokenHash: string;
  readonly deviceInfo: string | null;
  readonly familyId: string;
  readonly parentJti: string | null;
  readonly rotatedAt: number | null;
}

/** What the key admin API shows a user about their keys. */
export type PublicRefreshKey = Omit<RefreshKeyRecord, 'tokenHash'>;

export interface MintRefreshKeyOptions {
  readonly username: string;
  readonly audience: string;
  /** Seconds. */
  readonly lifetime: number;
  /** Claims merged over the user's own (sub always stays the user's). */
  readonly content?: Readonly<Record<string, unknown>>;
  readonly deviceInfo?: string;
}

export interface MintedRefreshKey {
  readonly refreshKey: string;
  readonly jti: string;
  readonly expiresAt: number;
}

export interface IssueTokensOptions {
  readonly audience?: string;
  /** Must be a subset of the user's scope. */
  readonly scope?: string;
  readonly deviceInfo?: string;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export interface ListenOptions {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly host?: '127.0.0.1';
}

export interface ListeningServer {
  /** e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface AuthServer {
  readonly origin: string;
  /** MSW handlers: setupServer(...server.handlers) or setupWorker(...server.handlers). */
  readonly handlers: readonly RequestHandler[];
  /** The single dispatch function both faces use. A network error is `Response.error()`. */
  handle(request: Request): Promise<Response>;
  /** Serves the same handle() on a real HTTP server bound to 127.0.0.1. */
  listen(options?: ListenOptions): Promise<ListeningServer>;
  /** A fresh snapshot on every read. */
  readonly counters: AuthServerCounters;
  resetCounters(): void;
  inject(endpoint: FaultEndpoint, fault: Fault, times?: number): void;
  clearFaults(): void;
  /** Every access token issued so far is rejected from now on. */
  expireAccessTokens(): void;
  /** Server clock = now() + offset. */
  setClockOffset(ms: number): void;
  mintRefreshKey(options: MintRefreshKeyOptions): Promise<MintedRefreshKey>;
  /** Copies of the stored records (with tokenHash, never a raw token). */
  keys(username?: string): RefreshKeyRecord[];
  /** Revokes the key and every key of its family. Returns whether anything was revoked. */
  revokeKey(jti: string): boolean;
  /** Starts a session without going through HTTP (no counters touched). */
  issueTokens(username: string, options?: IssueTokensOptions): Promise<TokenPair>;
  /** DPoP nonces and faults. */
  readonly dpop: DpopControls;
}
