import { indexedDbKeyStore } from './indexeddb';
import type { DpopAlgorithm, DpopKeySource, DpopKeyStore, DpopSigner, PublicJwk } from './types';

interface AlgorithmParams {
  readonly generate: EcKeyGenParams | RsaHashedKeyGenParams | Algorithm;
  readonly sign: EcdsaParams | Algorithm;
}

/** Built on use, so a client without DPoP keeps none of it (a module-level `new Uint8Array` would survive tree-shaking). */
const algorithm = (alg: DpopAlgorithm): AlgorithmParams =>
  alg === 'ES256'
    ? { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } }
    : alg === 'RS256'
      ? {
          generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
          sign: { name: 'RSASSA-PKCS1-v1_5' },
        }
      : { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };

/** The algorithm to use: the first of ours the server lists (`dpop_signing_alg_values_supported`), ES256 when it lists none. */
export function pickAlgorithm(supported: readonly string[] | undefined): DpopAlgorithm {
  if (supported === undefined || supported.length === 0) return 'ES256';
  const ours = (['ES256', 'EdDSA', 'RS256'] as const).find((alg) => supported.includes(alg));
  if (ours === undefined) throw new TypeError('The server supports none of ES256, EdDSA, RS256 for DPoP proofs.');
  return ours;
}

/** Keys held in memory only (Node services, tests): gone with the process. */
export function memoryKeyStore(): DpopKeyStore {
  const pairs = new Map<string, CryptoKeyPair>();
  return {
    get: async (name) => pairs.get(name),
    async add(name, pair) {
      const existing = pairs.get(name);
      if (existing !== undefined) return existing;
      pairs.set(name, pair);
      return pair;
    },
    delete: async (name) => void pairs.delete(name),
  };
}

function algorithmOf(pair: CryptoKeyPair): DpopAlgorithm | undefined {
  const { name } = pair.privateKey.algorithm;
  return name === 'ECDSA' ? 'ES256' : name === 'RSASSA-PKCS1-v1_5' ? 'RS256' : name === 'Ed25519' ? 'EdDSA' : undefined;
}

async function signerOf(pair: CryptoKeyPair, subtle: SubtleCrypto): Promise<DpopSigner | undefined> {
  const alg = algorithmOf(pair);
  if (alg === undefined) return undefined;
  const { kty, crv, x, y, n, e } = await subtle.exportKey('jwk', pair.publicKey);
  // Only the public members RFC 7638 hashes: never `d`, never `key_ops`/`ext` noise.
  const jwk = { kty, ...(crv === undefined ? {} : { crv }), ...(x === undefined ? {} : { x }), ...(y === undefined ? {} : { y }), ...(n === undefined ? {} : { n }), ...(e === undefined ? {} : { e }) } as PublicJwk;
  const params = algorithm(alg).sign;
  return { alg, jwk, sign: async (data) => new Uint8Array(await subtle.sign(params, pair.privateKey, data)) };
}

/**
 * IndexedDB where it works; memory for this page where it refuses from the start (private browsing, storage
 * blocked by policy): DPoP keeps working, the key lives as long as the page. A first failure is tried once
 * more before memory is chosen (a passing hiccup must not hide the key a stored session is bound to, which
 * would end that session with `dpop-key-lost`). Once IndexedDB has answered, its later failures are errors
 * (a switch then would lose the key a session is bound to).
 */
export function browserKeyStore(persistent: DpopKeyStore = indexedDbKeyStore()): DpopKeyStore {
  let store: DpopKeyStore | undefined;
  const use = async <T>(work: (store: DpopKeyStore) => Promise<T>): Promise<T> => {
    if (store !== undefined) return work(store);
    let result: T;
    try {
      result = await work(persistent).catch(() => work(persistent));
    } catch (error) {
      if (store === persistent) throw error;
      store ??= memoryKeyStore();
      return work(store);
    }
    store ??= persistent;
    return result;
  };
  return { get: (name) => use((s) => s.get(name)), add: (name, pair) => use((s) => s.add(name, pair)), delete: (name) => use((s) => s.delete(name)) };
}

export interface WebCryptoKeysOptions {
  /** @default indexedDbKeyStore() where IndexedDB exists (browsers; memory for the page when it refuses to open), memoryKeyStore() elsewhere */
  store?: DpopKeyStore;
  /** Algorithm of new keys (see `pickAlgorithm`). @default 'ES256' */
  alg?: DpopAlgorithm;
  /** @default globalThis.crypto.subtle */
  subtle?: SubtleCrypto;
}

/**
 * WebCrypto keys whose private half is generated non-extractable: script can sign with it but never
 * read it. A stored key of another algorithm is kept (the session may be bound to it).
 */
export function webCryptoKeys(options: WebCryptoKeysOptions = {}): DpopKeySource {
  const alg = options.alg ?? 'ES256';
  const store = options.store ?? (typeof indexedDB === 'undefined' ? memoryKeyStore() : browserKeyStore());
  const subtle = () => options.subtle ?? globalThis.crypto.subtle;
  return {
    async load(name) {
      const stored = await store.get(name);
      const usable = stored === undefined ? undefined : await signerOf(stored, subtle());
      if (usable !== undefined) return usable;
      const generated = (await subtle().generateKey(algorithm(alg).generate, false, ['sign', 'verify'])) as CryptoKeyPair;
      const kept = await store.add(name, generated);
      const signer = await signerOf(kept, subtle());
      if (signer === undefined) throw new TypeError('The stored DPoP key uses an unsupported algorithm.');
      return signer;
    },
    remove: (name) => store.delete(name),
  };
}
