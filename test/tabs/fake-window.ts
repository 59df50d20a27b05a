import type { StorageAdapter, WebStorageLike } from '../../src';
import type { EventTargetLike } from '../../src/lifecycle';

/**
 * One origin's localStorage seen from several windows: every window has its own `Storage` object
 * and event target, and a write from one window fires a `storage` event in every OTHER window
 * (with that window's own `storageArea`), as browsers do.
 */
export function fakeOrigin() {
  const data = new Map<string, string>();
  const windows: Array<{ storage: WebStorageLike; target: EventTarget }> = [];
  const notify = (from: WebStorageLike, key: string | null) => {
    for (const w of windows) {
      if (w.storage === from) continue;
      const event = Object.assign(new Event('storage'), { key, storageArea: w.storage });
      setTimeout(() => w.target.dispatchEvent(event), 0);
    }
  };
  return {
    data,
    window() {
      const target = new EventTarget();
      const storage: WebStorageLike = {
        getItem: (key) => data.get(key) ?? null,
        setItem(key, value) {
          data.set(key, value);
          notify(storage, key);
        },
        removeItem(key) {
          if (data.delete(key)) notify(storage, key);
        },
      };
      windows.push({ storage, target });
      return { storage, target: target as unknown as EventTargetLike };
    },
  };
}

/**
 * One origin's storage as Chromium's tabs in separate processes see it: every tab reads its own
 * copy, and another tab's write reaches that copy (and fires its change listeners) only `lagMs`
 * later, independently of locks and channels.
 */
export function laggyOrigin(lagMs: number) {
  const truth = new Map<string, string>();
  const views: Array<{ data: Map<string, string>; listeners: Set<() => void> }> = [];
  const propagate = (from: Map<string, string>, key: string, value: string | null) => {
    for (const view of views) {
      if (view.data === from) continue;
      setTimeout(() => {
        if (value === null) view.data.delete(key);
        else view.data.set(key, value);
        for (const fn of [...view.listeners]) fn();
      }, lagMs);
    }
  };
  return {
    truth,
    tab(): StorageAdapter {
      const view = { data: new Map(truth), listeners: new Set<() => void>() };
      views.push(view);
      return {
        getItem: (key) => view.data.get(key) ?? null,
        setItem(key, value) {
          view.data.set(key, value);
          truth.set(key, value);
          propagate(view.data, key, value);
        },
        removeItem(key) {
          view.data.delete(key);
          truth.delete(key);
          propagate(view.data, key, null);
        },
        subscribe(_key, onChange) {
          view.listeners.add(onChange);
          return () => void view.listeners.delete(onChange);
        },
      };
    },
  };
}
