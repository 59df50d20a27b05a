import type { EventTargetLike } from '../../lifecycle/env';
import { broadcastChannel } from '../../sync/broadcast';
import { storageLock } from '../../sync/storage-lock';
import type { StorageAdapter } from './types';

/** `localStorage` / `sessionStorage` (structural). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Synchronous Web Storage adapter. `subscribe` hears the `storage` event, which browsers fire only
 * for changes made by OTHER contexts; `key === null` means the area was cleared. `lock` builds the
 * cross-tab lock used where Web Locks are missing, `channel` the BroadcastChannel the tabs talk over
 * (brought by this adapter, so a client on another store bundles neither).
 */
export function webStorage(storage: WebStorageLike, opts: { target?: EventTargetLike } = {}): StorageAdapter {
  let perTab = false;
  try {
    perTab = (globalThis as { sessionStorage?: unknown }).sessionStorage === storage;
  } catch {
    // Storage access denied (privacy settings): treat as shared.
  }
  return {
    shared: !perTab,
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => storage.setItem(key, value),
    removeItem: (key) => storage.removeItem(key),
    lock: (options) => storageLock(storage, options),
    channel: (name) => broadcastChannel(name),
    subscribe(key, onChange) {
      const target = (opts.target ?? globalThis) as Partial<EventTargetLike>;
      if (typeof target.addEventListener !== 'function') return () => {};
      const t = target as EventTargetLike;
      const listener = (event: unknown): void => {
        const e = event as { storageArea?: unknown; key?: unknown };
        if (e.storageArea === storage && (e.key === key || e.key === null)) onChange();
      };
      t.addEventListener('storage', listener);
      return () => t.removeEventListener('storage', listener);
    },
  };
}
