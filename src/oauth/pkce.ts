/** The WebCrypto a code flow uses: random values (CSPRNG) and SHA-256. */
export interface CryptoLike {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  readonly subtle: Pick<SubtleCrypto, 'digest'>;
}

const base64Url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** 32 bytes from the platform CSPRNG as base64url: 43 characters (RFC 7636 §4.1 asks for 43 to 128). */
export const randomValue = (crypto: CryptoLike): string => base64Url(crypto.getRandomValues(new Uint8Array(32)));

/** RFC 7636 §4.2: `code_challenge = BASE64URL(SHA256(ASCII(code_verifier)))`. */
export async function s256(verifier: string, crypto: CryptoLike): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}
