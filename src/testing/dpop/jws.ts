import { base64UrlDecode, base64UrlEncode, utf8 } from '../encoding';

/** A public JWK as it arrives in a proof header: loose, checked member by member. */
export type Jwk = Readonly<Record<string, unknown>>;

interface AlgSpec {
  readonly kty: string;
  readonly crv?: string;
  readonly importAs: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams;
  readonly verifyAs: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
}

/** Asymmetric JWS algorithms the server can verify (RFC 9449 §4.3 check 5: no `none`, no MAC). */
export const VERIFIERS: Readonly<Record<string, AlgSpec>> = {
  ES256: { kty: 'EC', crv: 'P-256', importAs: { name: 'ECDSA', namedCurve: 'P-256' }, verifyAs: { name: 'ECDSA', hash: 'SHA-256' } },
  RS256: { kty: 'RSA', importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyAs: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { kty: 'RSA', importAs: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyAs: { name: 'RSA-PSS', saltLength: 32 } },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', importAs: { name: 'Ed25519' }, verifyAs: { name: 'Ed25519' } },
};

/** Members of a private or symmetric JWK (RFC 7518 §6.2.2, §6.3.2, §6.4): a proof's key must have none. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: string;
  readonly signature: Uint8Array<ArrayBuffer>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function object(segment: string): Record<string, unknown> | null {
  const bytes = base64UrlDecode(segment);
  if (bytes === null) return null;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Splits a compact JWS; null when it is not one. */
export function decodeJws(token: string): DecodedJws | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h = '', p = '', s = ''] = parts;
  const header = object(h);
  const payload = object(p);
  const signature = base64UrlDecode(s);
  if (header === null || payload === null || signature === null || signature.length === 0) return null;
  return { header, payload, signingInput: `${h}.${p}`, signature };
}

export function hasPrivateMembers(jwk: Jwk): boolean {
  return PRIVATE_MEMBERS.some((member) => member in jwk);
}

/** RFC 7638 SHA-256 thumbprint, base64url; null when the key lacks a required member. */
export async function thumbprint(jwk: Jwk): Promise<string | null> {
  const members = typeof jwk['kty'] === 'string' ? THUMBPRINT_MEMBERS[jwk['kty']] : undefined;
  if (members === undefined) return null;
  const canonical: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string') return null;
    canonical[member] = value;
  }
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(JSON.stringify(canonical)))));
}

/** Verifies the JWS with the public key it names; false on any mismatch of algorithm, key type or signature. */
export async function verifyWithJwk(jws: DecodedJws, alg: string, jwk: Jwk): Promise<boolean> {
  const spec = VERIFIERS[alg];
  if (spec === undefined || jwk['kty'] !== spec.kty || (spec.crv !== undefined && jwk['crv'] !== spec.crv)) return false;
  try {
    const key = await crypto.subtle.importKey('jwk', { ...(jwk as JsonWebKey), key_ops: ['verify'], ext: true }, spec.importAs, false, ['verify']);
    return await crypto.subtle.verify(spec.verifyAs, key, jws.signature, utf8(jws.signingInput));
  } catch {
    return false;
  }
}
