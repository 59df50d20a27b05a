import type { StorageAdapter } from './types';

/** Process-local storage; each call gets its own Map. The default. Not shared: to share one between clients of a process, pass them a common `localLock()` and channel. */
export function memoryStorage(): StorageAdapter {
  const map = new Map<string, string>();
  return {
    shared: false,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}
