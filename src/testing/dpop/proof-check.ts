import { base64UrlEncode, utf8 } from '../encoding';
import { decodeJws, hasPrivateMembers, thumbprint, verifyWithJwk, type Jwk } from './jws';

/** Why a proof was refused; the keys of `dpopProofsRejected`. */
export type ProofRejection =
  | 'header'
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'claims'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'jti-replay'
  | 'nonce'
  | 'ath'
  | 'injected'
  | 'missing'
  | 'key-mismatch'
  | 'bearer-for-bound';

export type ProofCheck =
  | { readonly ok: true; readonly jkt: string; readonly jti: string }
  | { readonly ok: false; readonly reason: ProofRejection; readonly description: string };

export interface ProofExpectation {
  readonly proof: string;
  readonly method: string;
  readonly url: URL;
  readonly algs: readonly string[];
  /** Server clock, epoch seconds. */
  readonly now: number;
  /** Accepted distance of `iat` from `now`, seconds. */
  readonly window: number;
  /** The access token presented with the proof (resource server): `ath` must be its hash. */
  readonly accessToken?: string;
  readonly nonceOk: (nonce: unknown) => boolean;
  /** Remembers the jti; false when it was seen already. */
  readonly admitJti: (jti: string) => boolean;
}

const refuse = (reason: ProofRejection, description: string): ProofCheck => ({ ok: false, reason, description });

/** RFC 9449 §4.3 check 9: compare scheme, host, port and path; query and fragment are ignored. */
function sameTarget(htu: unknown, url: URL): boolean {
  if (typeof htu !== 'string') return false;
  try {
    const claimed = new URL(htu);
    return claimed.username === '' && claimed.password === '' && claimed.origin === url.origin && claimed.pathname === url.pathname;
  } catch {
    return false;
  }
}

async function sha256B64Url(text: string): Promise<string> {
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/** Checks one proof in the order of RFC 9449 §4.3; the replay cache is only touched by a proof that passed every other check. */
export async function checkProof(expect: ProofExpectation): Promise<ProofCheck> {
  const jws = decodeJws(expect.proof);
  if (jws === null) return refuse('malformed', 'The DPoP proof is not a JWT');
  const { header, payload } = jws;
  if (header['typ'] !== 'dpop+jwt') return refuse('typ', 'The DPoP proof typ must be dpop+jwt');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !expect.algs.includes(alg)) return refuse('alg', 'The DPoP proof algorithm is not accepted');
  const jwk = header['jwk'];
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || hasPrivateMembers(jwk as Jwk)) {
    return refuse('jwk', 'The DPoP proof must carry a public JWK');
  }
  if (!(await verifyWithJwk(jws, alg, jwk as Jwk))) return refuse('signature', 'The DPoP proof signature is invalid');
  const jkt = await thumbprint(jwk as Jwk);
  if (jkt === null) return refuse('jwk', 'The DPoP proof JWK is incomplete');
  const { jti, htm, htu, iat, ath } = payload;
  if (typeof jti !== 'string' || jti.length < 8 || typeof iat !== 'number' || !Number.isFinite(iat)) {
    return refuse('claims', 'The DPoP proof needs jti and iat');
  }
  if (htm !== expect.method.toUpperCase()) return refuse('htm', 'The DPoP proof htm does not match the request');
  if (!sameTarget(htu, expect.url)) return refuse('htu', 'The DPoP proof htu does not match the request');
  if (Math.abs(expect.now - iat) > expect.window) return refuse('iat', 'The DPoP proof iat is outside the accepted window');
  if (!expect.nonceOk(payload['nonce'])) return refuse('nonce', 'A fresh DPoP nonce is required');
  if (expect.accessToken !== undefined) {
    if (ath !== (await sha256B64Url(expect.accessToken))) return refuse('ath', 'The DPoP proof ath does not match the access token');
  } else if (ath !== undefined) {
    return refuse('ath', 'The DPoP proof carries ath without an access token');
  }
  if (!expect.admitJti(jti)) return refuse('jti-replay', 'The DPoP proof was used before');
  return { ok: true, jkt, jti };
}
