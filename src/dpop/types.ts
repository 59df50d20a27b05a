/** A public JWK with only the members RFC 7638 hashes (no private member ever). */
export interface PublicJwk {
  readonly kty: 'EC' | 'RSA' | 'OKP';
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
}

/** JWS algorithms a DPoP key may use (RFC 9449 §4.2: asymmetric only). */
export type DpopAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

/**
 * One DPoP key as the proof builder sees it: its algorithm, public JWK and a signing function. The
 * private key never leaves it. Implement this to use a native crypto module (React Native/Hermes).
 */
export interface DpopSigner {
  readonly alg: DpopAlgorithm;
  readonly jwk: PublicJwk;
  /** The JWS signature of `data` (for ES256 the 64-byte r||s form of RFC 7518 §3.4). */
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

/** Where a client's DPoP key lives: loads the key named `name`, creating it when there is none. */
export interface DpopKeySource {
  /** The current key of `name` (one per client and storage key); created on first use. */
  load(name: string): Promise<DpopSigner>;
  /** Forgets the key of `name`; the next `load` creates a new one. */
  remove(name: string): Promise<void>;
}

/** Persists WebCrypto key pairs (the private key non-extractable). */
export interface DpopKeyStore {
  get(name: string): Promise<CryptoKeyPair | undefined>;
  /** Stores `pair` unless a pair is stored already; returns the stored pair (the other tab's, if it won). */
  add(name: string, pair: CryptoKeyPair): Promise<CryptoKeyPair>;
  delete(name: string): Promise<void>;
}

/** Options of `dpop()`. */
export interface DpopOptions {
  /** Where keys live and how they sign. @default webCryptoKeys(): IndexedDB in browsers, memory elsewhere */
  keys?: DpopKeySource;
  /** SHA-256 for `ath` and key thumbprints. @default WebCrypto's `crypto.subtle.digest` */
  sha256?: (data: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;
  /** Random bytes for each proof's `jti`. @default crypto.getRandomValues */
  randomBytes?: (size: number) => Uint8Array;
  /** Forget the key when the user logs out, so the next session gets a new one. @default false */
  rotateOnLogout?: boolean;
}
