import { b64u, b64uJson, utf8 } from './encoding';
import type { DpopSigner, PublicJwk } from './types';

export type Sha256 = (data: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;

export const webSha256: Sha256 = async (data) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, base64url. */
export async function jwkThumbprint(jwk: PublicJwk, sha256: Sha256): Promise<string> {
  const { kty } = jwk;
  const members = kty === 'EC' ? { crv: jwk.crv, kty, x: jwk.x, y: jwk.y } : kty === 'RSA' ? { e: jwk.e, kty, n: jwk.n } : { crv: jwk.crv, kty, x: jwk.x };
  return b64u(await sha256(utf8(JSON.stringify(members))));
}

/** RFC 9449 §4.2: `htu` is the target URI without query and fragment. */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

export interface ProofClaims {
  readonly htm: string;
  readonly url: string;
  /** Epoch seconds. */
  readonly iat: number;
  readonly jti: string;
  readonly nonce: string | undefined;
  /** The access token the proof goes with (resource requests): its hash becomes `ath`. */
  readonly accessToken: string | undefined;
}

/** A DPoP proof JWT (RFC 9449 §4.2). Built fresh for every send: never cached, never logged. */
export async function createProof(signer: DpopSigner, claims: ProofClaims, sha256: Sha256): Promise<string> {
  const header = b64uJson({ typ: 'dpop+jwt', alg: signer.alg, jwk: signer.jwk });
  const payload = b64uJson({
    jti: claims.jti,
    htm: claims.htm.toUpperCase(),
    htu: htuOf(claims.url),
    iat: claims.iat,
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
    ...(claims.accessToken === undefined ? {} : { ath: b64u(await sha256(utf8(claims.accessToken))) }),
  });
  const input = `${header}.${payload}`;
  return `${input}.${b64u(await signer.sign(utf8(input)))}`;
}
