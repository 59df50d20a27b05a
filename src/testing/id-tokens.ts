import type { ServerClock } from './clock';
import { importHmacKey } from './crypto';
import { signJwt, verifyJwt, type JwtClaims } from './jwt';
import type { ResolvedUser } from './options';

export interface IdTokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  readonly user: ResolvedUser;
  readonly nonce: string | null;
  readonly authTime: number;
  /** The key family of the session (`sid`). */
  readonly sid: string;
}

/** OpenID Connect Core §2 ID tokens, HS256-signed with the server's key. */
export class IdTokens {
  readonly #key: Promise<CryptoKey>;

  constructor(
    secret: string,
    private readonly clock: ServerClock,
    private readonly ttl: number,
  ) {
    this.#key = importHmacKey(`${secret}:id-token`);
  }

  async issue(request: IdTokenRequest): Promise<string> {
    const iat = this.clock.seconds();
    return signJwt(await this.#key, {
      ...request.user.claims,
      iss: request.issuer,
      sub: request.user.sub,
      aud: request.clientId,
      azp: request.clientId,
      iat,
      exp: iat + this.ttl,
      auth_time: request.authTime,
      sid: request.sid,
      ...(request.nonce === null ? {} : { nonce: request.nonce }),
    });
  }

  /** The claims of an ID token this server signed, expired or not (an `id_token_hint` may be expired). */
  async claims(token: string): Promise<JwtClaims | null> {
    const check = await verifyJwt(await this.#key, token);
    return check.ok ? check.claims : null;
  }
}
