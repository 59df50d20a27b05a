import { jwtDecode } from 'jwt-decode';
import { isB64Token, isRefreshToken } from './b64token';

/** A committed token set. Never leaves the client except as the Bearer header and the storage blob. */
export interface TokenSet {
  /** `null` when only a refresh token is known (started from a refresh key, or split storage after restart). */
  readonly accessToken: string | null;
  /** `null` in HttpOnly-cookie mode. */
  readonly refreshToken: string | null;
  /** Local epoch ms; `null` when the server gave no usable lifetime (then only 401s trigger refreshes). */
  readonly expiresAt: number | null;
  readonly receivedAt: number;
  readonly scope: string | null;
  readonly claims: Readonly<Record<string, unknown>> | null;
  readonly generation: number;
  /**
   * The session these tokens belong to: the same across its refreshes, new on every login. It is what
   * lets a tab tell "newer tokens of my session" from "another session". Random, never derived from a token.
   */
  readonly sessionId: string;
  /** DPoP: the RFC 7638 thumbprint of the key the tokens are bound to (`token_type: DPoP`); absent for Bearer tokens. */
  readonly jkt?: string;
  /** OpenID: the raw ID token of the session (its claims were checked when it arrived), kept only for `id_token_hint`. */
  readonly idToken?: string;
}

export type ParsedTokens = Omit<TokenSet, 'generation' | 'sessionId'>;

/** FNV-1a, 32 bits: names a token (in a lock mark, a legacy session id) without revealing it. */
export const fingerprint = (token: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
};

/**
 * The identity of a session that began without a login here: a service refresh key, or a blob written
 * by 0.1.0. Every instance must name it alike, so it comes from the token — through a 32-bit hash that
 * cannot give the token back.
 */
export const derivedSessionId = (kind: 'key' | 'legacy', token: string | null): string => `${kind}-${fingerprint(token ?? '')}`;

/**
 * Whether two session ids name the same session. Ids derived from a blob without `sid` (written by a
 * tab still on 0.1.x during a deploy) change with every rotation, so two legacy ids count as one session.
 */
export const sameSessionId = (a: string, b: string): boolean => a === b || (a.startsWith('legacy-') && b.startsWith('legacy-'));

/** A new session identity: random, not secret (it only names a session), never derived from a token. */
export function newSessionId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  // Hermes without a crypto polyfill: uniqueness is all that is needed here.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/** Why a token response was unusable (never includes the values themselves). */
export type TokenParseProblem = 'not-an-object' | 'missing-access-token' | 'invalid-access-token' | 'invalid-refresh-token' | 'token-type';

const pick = (body: Record<string, unknown>, snake: string, camel: string): unknown => body[snake] ?? body[camel];

/** Longest lifetime believed, from `expires_in` or `exp` (one year): nothing beyond it reaches a timer. */
export const MAX_LIFETIME_MS = 365 * 86_400_000;
/** A token is never refreshed ahead of time sooner than this after it arrived (unless it lives longer than twice as long: then half its life). */
export const MIN_TOKEN_AGE_MS = 1_000;
/** ... and never sooner than this for tokens that live longer than 10 s. */
export const MAX_TOKEN_AGE_FLOOR_MS = 5_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Decodes (never verifies) JWT claims; opaque or malformed tokens, and unsigned ones (`alg: none`),
 * give `null`: their claims never extend or shorten anything.
 */
export function decodeClaims(token: string | null): Readonly<Record<string, unknown>> | null {
  if (token === null || token.split('.').length !== 3) return null;
  try {
    const header: unknown = jwtDecode(token, { header: true });
    const alg = isObject(header) ? header['alg'] : undefined;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return null;
    const claims = jwtDecode<Record<string, unknown>>(token);
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? Object.freeze({ ...claims }) : null;
  } catch {
    return null;
  }
}

/** `expires_in` as seconds, or `null` when absent or unusable (0, negative, NaN, non-numeric). */
function lifetimeSeconds(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * `expiresAt` = local receipt time + `expires_in`. A JWT `exp` (moved to the local clock with the
 * server offset) may only shorten it, and is ignored when it looks born-expired (clock skew).
 */
export function computeExpiry(expiresIn: unknown, claims: Readonly<Record<string, unknown>> | null, receivedAt: number, serverOffset: number): number | null {
  const seconds = lifetimeSeconds(expiresIn);
  let expiresAt = seconds === null ? null : receivedAt + Math.min(seconds * 1000, MAX_LIFETIME_MS);
  const exp = claims?.['exp'];
  const offset = Number.isFinite(serverOffset) ? serverOffset : 0;
  if (typeof exp === 'number' && Number.isFinite(exp)) {
    const local = Math.min(exp * 1000 - offset, receivedAt + MAX_LIFETIME_MS);
    if (local > receivedAt + 1000) expiresAt = expiresAt === null ? local : Math.min(expiresAt, local);
  }
  return expiresAt;
}

/**
 * Parses a token response: OAuth 2.0 snake_case or camelCase. A missing or empty refresh token keeps
 * `previousRefreshToken`. Returns a problem code instead of throwing.
 */
export function parseTokenResponse(
  body: unknown,
  context: { receivedAt: number; serverOffset: number; previousRefreshToken: string | null; previousScope?: string | null; jkt?: string | undefined },
): { ok: true; tokens: ParsedTokens } | { ok: false; problem: TokenParseProblem } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problem: 'not-an-object' };
  const record = body as Record<string, unknown>;
  const tokenType = pick(record, 'token_type', 'tokenType');
  // RFC 9449 §5: `DPoP` only when this very response answered a proof (the DPoP layer reports the key of
  // such a `token_type: DPoP` answer as `jkt`); any other type than Bearer is refused.
  const jkt = context.jkt;
  if (tokenType !== undefined && jkt === undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    return { ok: false, problem: 'token-type' };
  }
  const accessToken = pick(record, 'access_token', 'accessToken');
  if (accessToken === undefined || accessToken === null || accessToken === '') return { ok: false, problem: 'missing-access-token' };
  if (!isB64Token(accessToken)) return { ok: false, problem: 'invalid-access-token' };
  const rawRefresh = pick(record, 'refresh_token', 'refreshToken');
  let refreshToken = context.previousRefreshToken;
  if (rawRefresh !== undefined && rawRefresh !== null && rawRefresh !== '') {
    if (!isRefreshToken(rawRefresh)) return { ok: false, problem: 'invalid-refresh-token' };
    refreshToken = rawRefresh;
  }
  const scope = record['scope'];
  const claims = decodeClaims(accessToken);
  return {
    ok: true,
    tokens: {
      accessToken,
      refreshToken,
      expiresAt: computeExpiry(pick(record, 'expires_in', 'expiresIn'), claims, context.receivedAt, context.serverOffset),
      receivedAt: context.receivedAt,
      // RFC 6749 §5.1/§6: an omitted scope means the scope granted before is unchanged. Storage refuses
      // control characters in a scope (§3.3 allows none): never commit what cannot be reloaded.
      scope: typeof scope === 'string' ? (/[\u0000-\u001f\u007f]/.test(scope) ? null : scope) : (context.previousScope ?? null),
      claims,
      ...(jkt === undefined ? {} : { jkt }),
    },
  };
}

/** A login answer as a token set of `generation`; throws the parse problem when unusable. */
export function loginTokenSet(result: { body: unknown; receivedAt: number; serverOffset: number; jkt?: string | undefined }, generation: number, requestedScope: string | null = null): TokenSet {
  // RFC 6749 §5.1: an answer without `scope` granted the scope that was requested.
  const parsed = parseTokenResponse(result.body, { receivedAt: result.receivedAt, serverOffset: result.serverOffset, previousRefreshToken: null, previousScope: requestedScope, jkt: result.jkt });
  if (!parsed.ok) throw parsed.problem;
  return { ...parsed.tokens, generation, sessionId: newSessionId() };
}

/**
 * The refresh token an otherwise unusable answer rotated to, or `null` (none, invalid, or unchanged):
 * a rotating server has already spent the previous one, so it must be kept, not sent again.
 */
export function rotatedRefreshToken(body: unknown, previous: string | null): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const value = pick(body as Record<string, unknown>, 'refresh_token', 'refreshToken');
  return isRefreshToken(value) && value !== previous ? value : null;
}

/**
 * The last moments of a token's life in which it is not sent any more (it would reach the server
 * expired): 2 % of its life, at least 20 ms.
 */
const GUARD_SHARE = 0.02;
const GUARD_MIN_MS = 20;

/**
 * When to refresh ahead of expiry: `margin` before `expiresAt`, but never in the first half of a
 * token's life, nor sooner than 1 s (5 s for tokens living over 10 s) after it arrived — except that
 * a token living 1 s or more is refreshed before its last moments (`GUARD_SHARE`): a tiny or skewed
 * lifetime cannot loop, and a 1 s token is refreshed once per lifetime, just before it expires.
 */
export function refreshDueAt(tokens: Pick<TokenSet, 'accessToken' | 'expiresAt' | 'receivedAt'>, margin: (lifetimeMs: number) => number): number | null {
  if (tokens.accessToken === null) return Number.NEGATIVE_INFINITY;
  if (tokens.expiresAt === null) return null;
  const lifetime = Math.max(0, tokens.expiresAt - tokens.receivedAt);
  const ahead = margin(lifetime);
  const lead = Number.isFinite(ahead) && ahead > 0 ? Math.min(ahead, lifetime / 2) : 0;
  const lastMoments = Math.max(lifetime * GUARD_SHARE, GUARD_MIN_MS);
  const youngest = lifetime < MIN_TOKEN_AGE_MS ? MIN_TOKEN_AGE_MS : Math.min(MIN_TOKEN_AGE_MS, lifetime - lastMoments);
  const floor = Math.min(Math.max(lifetime / 2, youngest), MAX_TOKEN_AGE_FLOOR_MS);
  return Math.max(tokens.receivedAt + floor, tokens.expiresAt - lead);
}

/** The ID token a session keeps across its refreshes (OIDC Core §12.2 lets a refresh omit it). */
export const idTokenOf = (tokens: { readonly idToken?: string | undefined }): { idToken?: string } => (tokens.idToken === undefined ? {} : { idToken: tokens.idToken });

/** The default margin: max(30 s, 10 % of the lifetime). */
export const defaultMargin = (lifetimeMs: number): number => Math.max(30_000, lifetimeMs / 10);
