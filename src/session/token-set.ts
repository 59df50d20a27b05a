import { jwtDecode } from 'jwt-decode';
import { isB64Token } from './b64token';

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
}

export type ParsedTokens = Omit<TokenSet, 'generation'>;

/** Why a token response was unusable (never includes the values themselves). */
export type TokenParseProblem = 'not-an-object' | 'missing-access-token' | 'invalid-access-token' | 'invalid-refresh-token' | 'token-type';

const pick = (body: Record<string, unknown>, snake: string, camel: string): unknown => body[snake] ?? body[camel];

/** Decodes (never verifies) JWT claims; opaque or malformed tokens give `null`. */
export function decodeClaims(token: string | null): Readonly<Record<string, unknown>> | null {
  if (token === null || token.split('.').length !== 3) return null;
  try {
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
  let expiresAt = seconds === null ? null : receivedAt + Math.min(seconds, 1e9) * 1000;
  const exp = claims?.['exp'];
  if (typeof exp === 'number' && Number.isFinite(exp)) {
    const local = exp * 1000 - serverOffset;
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
  context: { receivedAt: number; serverOffset: number; previousRefreshToken: string | null },
): { ok: true; tokens: ParsedTokens } | { ok: false; problem: TokenParseProblem } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problem: 'not-an-object' };
  const record = body as Record<string, unknown>;
  const tokenType = pick(record, 'token_type', 'tokenType');
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    return { ok: false, problem: 'token-type' };
  }
  const accessToken = pick(record, 'access_token', 'accessToken');
  if (accessToken === undefined || accessToken === null || accessToken === '') return { ok: false, problem: 'missing-access-token' };
  if (!isB64Token(accessToken)) return { ok: false, problem: 'invalid-access-token' };
  const rawRefresh = pick(record, 'refresh_token', 'refreshToken');
  let refreshToken = context.previousRefreshToken;
  if (rawRefresh !== undefined && rawRefresh !== null && rawRefresh !== '') {
    if (!isB64Token(rawRefresh)) return { ok: false, problem: 'invalid-refresh-token' };
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
      scope: typeof scope === 'string' ? scope : null,
      claims,
    },
  };
}

/**
 * When to refresh ahead of expiry: `margin` before `expiresAt`, but never in the first half of the
 * token's life, so a short or skewed lifetime cannot cause a refresh loop.
 */
export function refreshDueAt(tokens: Pick<TokenSet, 'accessToken' | 'expiresAt' | 'receivedAt'>, margin: (lifetimeMs: number) => number): number | null {
  if (tokens.accessToken === null) return Number.NEGATIVE_INFINITY;
  if (tokens.expiresAt === null) return null;
  const lifetime = Math.max(0, tokens.expiresAt - tokens.receivedAt);
  return tokens.expiresAt - Math.min(margin(lifetime), lifetime / 2);
}

/** The default margin: max(30 s, 10 % of the lifetime). */
export const defaultMargin = (lifetimeMs: number): number => Math.max(30_000, lifetimeMs / 10);
