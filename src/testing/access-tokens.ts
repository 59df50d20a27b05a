import type { ServerClock } from './clock';
import { importHmacKey } from './crypto';
import { randomId } from './encoding';
import { signJwt, verifyJwt, type JwtClaims } from './jwt';
import type { RefreshKeyContent } from './types';

export interface AccessTokenClaims {
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly scope: string;
  readonly sid: string;
  readonly [claim: string]: unknown;
}

export type AccessCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly description: string };

function isAccessClaims(claims: JwtClaims): claims is AccessTokenClaims {
  const aud = claims['aud'];
  return (
    typeof claims['sub'] === 'string' &&
    typeof claims['jti'] === 'string' &&
    typeof claims['exp'] === 'number' &&
    typeof claims['scope'] === 'string' &&
    (typeof aud === 'string' || (Array.isArray(aud) && aud.every((entry) => typeof entry === 'string')))
  );
}

/** Mints and checks HS256 access tokens; remembers which were expired by force. */
export class AccessTokens {
  readonly #key: Promise<CryptoKey>;
  #issued = new Set<string>();
  readonly #rejected = new Set<string>();

  constructor(
    secret: string,
    private readonly clock: ServerClock,
    private readonly ttl: number,
    private readonly audience: string,
    /** The key thumbprint a family is bound to (DPoP): its access tokens carry it as `cnf.jkt`. */
    readonly boundKey: (familyId: string) => string | undefined = () => undefined,
  ) {
    this.#key = importHmacKey(secret);
  }

  async issue(content: RefreshKeyContent, audience: string, familyId: string, scope: string): Promise<string> {
    const iat = this.clock.seconds();
    // `exp` rounds up, so a token is valid for at least its full TTL (JWT times are whole seconds).
    const exp = Math.ceil((this.clock.now() + this.ttl * 1000) / 1000);
    const jti = randomId();
    this.#issued.add(jti);
    const jkt = this.boundKey(familyId);
    // RFC 9449 §6.1: a key-bound access token confirms the key by its RFC 7638 thumbprint.
    const cnf = jkt === undefined ? {} : { cnf: { jkt } };
    return signJwt(await this.#key, { ...content, sub: content.sub, aud: audience, iat, exp, jti, scope, sid: familyId, ...cnf });
  }

  /** Rejects every access token issued so far. */
  expireAll(): void {
    for (const jti of this.#issued) this.#rejected.add(jti);
    this.#issued = new Set();
  }

  /** Rejects one token (RFC 7009 revocation of an access token). True when it was live. */
  async revoke(token: string): Promise<boolean> {
    const check = await this.verify(token);
    if (!check.ok) return false;
    this.#rejected.add(check.claims.jti);
    return true;
  }

  /** Signature and structure only: the jti of a token this server signed. */
  async signedJti(token: string): Promise<string | undefined> {
    const check = await verifyJwt(await this.#key, token);
    return check.ok && typeof check.claims['jti'] === 'string' ? check.claims['jti'] : undefined;
  }

  async verify(token: string): Promise<AccessCheck> {
    const check = await verifyJwt(await this.#key, token);
    if (!check.ok) {
      return { ok: false, description: check.reason === 'malformed' ? 'The access token is malformed' : 'The access token signature is invalid' };
    }
    const claims = check.claims;
    if (!isAccessClaims(claims)) return { ok: false, description: 'The access token is missing required claims' };
    if (this.clock.seconds() >= claims.exp) return { ok: false, description: 'The access token expired' };
    if (this.#rejected.has(claims.jti)) return { ok: false, description: 'The access token was revoked' };
    const audiences: readonly string[] = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!audiences.includes(this.audience)) return { ok: false, description: 'The access token is not meant for this audience' };
    return { ok: true, claims };
  }
}
