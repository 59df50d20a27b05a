import { toHex, utf8 } from './encoding';

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return toHex(new Uint8Array(await subtle().digest('SHA-256', bytes)));
}

export function importHmacKey(secret: string): Promise<CryptoKey> {
  return subtle().importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function hmacSign(key: CryptoKey, data: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().sign('HMAC', key, utf8(data)));
}

export function hmacVerify(key: CryptoKey, signature: Uint8Array<ArrayBuffer>, data: string): Promise<boolean> {
  return subtle().verify('HMAC', key, signature, utf8(data));
}
