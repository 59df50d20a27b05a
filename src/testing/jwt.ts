import { hmacSign, hmacVerify } from './crypto';
import { base64UrlDecode, base64UrlEncode, utf8 } from './encoding';

const HEADER = base64UrlEncode(utf8(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
const decoder = new TextDecoder('utf-8', { fatal: true });

export type JwtClaims = Readonly<Record<string, unknown>>;

export type JwtCheck =
  | { readonly ok: true; readonly claims: JwtClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' };

export async function signJwt(key: CryptoKey, claims: JwtClaims): Promise<string> {
  const input = `${HEADER}.${base64UrlEncode(utf8(JSON.stringify(claims)))}`;
  return `${input}.${base64UrlEncode(await hmacSign(key, input))}`;
}

function decodeJson(segment: string): unknown {
  const bytes = base64UrlDecode(segment);
  if (bytes === null) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks structure, algorithm and HS256 signature; says nothing about exp/aud. */
export async function verifyJwt(key: CryptoKey, token: string): Promise<JwtCheck> {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  const signature = base64UrlDecode(signaturePart);
  if (!isObject(header) || !isObject(claims) || signature === null) return { ok: false, reason: 'malformed' };
  if (header['alg'] !== 'HS256') return { ok: false, reason: 'signature' };
  const valid = await hmacVerify(key, signature, `${headerPart}.${payloadPart}`);
  return valid ? { ok: true, claims } : { ok: false, reason: 'signature' };
}
