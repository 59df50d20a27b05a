export { dpop, type DpopOption } from './session';
export { webCryptoKeys, memoryKeyStore, pickAlgorithm, type WebCryptoKeysOptions } from './webcrypto-keys';
export { indexedDbKeyStore } from './indexeddb';
export type { DpopOptions, DpopSigner, DpopKeySource, DpopKeyStore, DpopAlgorithm, PublicJwk } from './types';
