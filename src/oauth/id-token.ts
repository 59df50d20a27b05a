import { LoginError } from '../errors';
import { decodeClaims } from '../session/token-set';

export interface IdTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly nonce: string;
  /** Now on the server's clock (epoch ms). */
  readonly now: number;
  /** Accepted clock difference (ms). */
  readonly tolerance: number;
  /** The `max_age` of the request (seconds), `null` when none was sent. */
  readonly maxAge: number | null;
}

const invalid = (what: string) => new LoginError(`The ID token is not valid for this sign-in (${what}).`, { reason: 'invalid_id_token' });

/**
 * OpenID Connect Core §3.1.3.7 for an ID token received directly from the token endpoint over TLS: its
 * signature is not checked here (§3.1.3.7 item 6 lets the TLS server validation stand in for it), its
 * claims are: `iss`, `sub`, `aud` (and `azp`), `exp`, `iat`, `nonce`, and `auth_time` when `max_age` was sent. Returns the raw token.
 */
export function checkIdToken(value: unknown, expected: IdTokenExpectations): string {
  if (typeof value !== 'string') throw invalid('missing');
  const claims = decodeClaims(value);
  if (claims === null) throw invalid('malformed');
  if (claims['iss'] !== expected.issuer) throw invalid('iss');
  // §2: `sub` is REQUIRED (a non-empty string).
  if (typeof claims['sub'] !== 'string' || claims['sub'] === '') throw invalid('sub');
  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(expected.clientId)) throw invalid('aud');
  const azp = claims['azp'];
  if ((audiences.length > 1 || azp !== undefined) && azp !== expected.clientId) throw invalid('azp');
  const exp = claims['exp'];
  const iat = claims['iat'];
  if (typeof exp !== 'number' || exp * 1000 <= expected.now - expected.tolerance) throw invalid('exp');
  if (typeof iat !== 'number' || iat * 1000 > expected.now + expected.tolerance) throw invalid('iat');
  if (claims['nonce'] !== expected.nonce) throw invalid('nonce');
  // Item 11 (and §2: `auth_time` is REQUIRED when `max_age` was requested): the sign-in must be that recent.
  if (expected.maxAge !== null) {
    const authTime = claims['auth_time'];
    if (typeof authTime !== 'number' || !Number.isFinite(authTime) || (authTime + expected.maxAge) * 1000 < expected.now - expected.tolerance) throw invalid('auth_time');
  }
  return value;
}
