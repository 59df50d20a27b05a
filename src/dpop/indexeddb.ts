import type { DpopKeyStore } from './types';

const STORE = 'keys';

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Key pairs in IndexedDB (structured clone keeps a non-extractable private key usable, never
 * readable). One database per origin, so every tab of the origin finds the same key.
 */
export function indexedDbKeyStore(database = 'tokenflight-dpop', factory: IDBFactory = globalThis.indexedDB): DpopKeyStore {
  let opened: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (opened !== undefined) return opened;
    const request = factory.open(database, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    return (opened = done(request).catch((error: unknown) => {
      opened = undefined;
      throw error;
    }));
  };
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    done(work((await open()).transaction(STORE, mode).objectStore(STORE)));
  const isPair = (value: unknown): value is CryptoKeyPair =>
    typeof value === 'object' && value !== null && 'privateKey' in value && 'publicKey' in value;

  const get = async (name: string) => {
    const value: unknown = await run('readonly', (store) => store.get(name));
    return isPair(value) ? value : undefined;
  };
  return {
    get,
    async add(name, pair) {
      try {
        // `add` refuses an existing key: two tabs creating at once keep the first one's key.
        await run('readwrite', (store) => store.add({ privateKey: pair.privateKey, publicKey: pair.publicKey }, name));
        return pair;
      } catch (error) {
        const winner = await get(name);
        if (winner !== undefined) return winner;
        throw error;
      }
    },
    delete: async (name) => void (await run('readwrite', (store) => store.delete(name))),
  };
}
