import type { AsyncStorageLike, SecureStoreLike, WebStorageLike } from '../../src';

export const KEY = 'tokenflight.session';

/** A QuotaExceededError as browsers throw it from `localStorage.setItem`. */
export const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/** A `Storage`-shaped fake: a Map, a log of writes, and a switch that makes writes fail. */
export function fakeWebStorage() {
  const data = new Map<string, string>();
  const writes: string[] = [];
  let failWrites = false;
  const storage: WebStorageLike & { readonly length: number } = {
    getItem: (key) => data.get(key) ?? null,
    setItem(key, value) {
      if (failWrites) throw quotaError();
      writes.push(value);
      data.set(key, value);
    },
    removeItem: (key) => void data.delete(key),
    get length() {
      return data.size;
    },
  };
  return {
    storage,
    data,
    writes,
    failWrites(on = true) {
      failWrites = on;
    },
  };
}

/**
 * AsyncStorage-shaped fake. Every call settles in a microtask, or, while `hold()` is in effect, only
 * once the returned `release()` is called: a store that is slow for as long as a test wants.
 */
export function fakeAsyncStore() {
  const data = new Map<string, string>();
  let gate: Promise<void> = Promise.resolve();
  let failWrites = false;
  const later = async <T>(fn: () => T): Promise<T> => {
    await gate;
    return fn();
  };
  const store: AsyncStorageLike = {
    getItem: (key) => later(() => data.get(key) ?? null),
    setItem: (key, value) =>
      later(() => {
        if (failWrites) throw quotaError();
        data.set(key, value);
      }),
    removeItem: (key) => later(() => void data.delete(key)),
  };
  return {
    store,
    data,
    failWrites(on = true) {
      failWrites = on;
    },
    hold(): () => void {
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
  };
}

/** expo-secure-store-shaped fake: key charset and 2048-byte values enforced, like the real one. */
export function fakeSecureStore() {
  const data = new Map<string, string>();
  let failWrites = false;
  const store: SecureStoreLike = {
    getItemAsync: async (key) => data.get(key) ?? null,
    async setItemAsync(key, value) {
      if (!/^[\w.-]+$/.test(key)) throw new Error('Invalid key');
      if (new TextEncoder().encode(value).length > 2048) throw new Error('Value too large');
      if (failWrites) throw new Error('Keychain unavailable');
      data.set(key, value);
    },
    deleteItemAsync: async (key) => void data.delete(key),
  };
  return {
    store,
    data,
    failWrites(on = true) {
      failWrites = on;
    },
  };
}

/** Every string stored under any key, joined: to search for tokens that must (not) be there. */
export const dump = (data: Pick<ReadonlyMap<string, string>, 'values'>): string => [...data.values()].join('\n');
