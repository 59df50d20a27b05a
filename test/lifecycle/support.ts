import { memoryStorage, systemClock, type Clock, type StorageAdapter } from '../../src';
import { flush } from '../client/support';
import type { TimerHandle } from '../../src/lifecycle';

/** The fake system clock seen through an adjustable offset (the device clock, not the server's), counting live timers. */
export function deviceClock() {
  const live = new Set<TimerHandle>();
  const clock: Clock & { offset: number; sets: number; readonly live: number } = {
    offset: 0,
    sets: 0,
    get live() {
      return live.size;
    },
    now: () => systemClock.now() + clock.offset,
    setTimeout(fn, ms) {
      clock.sets++;
      const handle = systemClock.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
  };
  return clock;
}

/** A fetch that counts calls (and remembers those in flight, to wait for fire-and-forget revocations). */
export function countingFetch() {
  const pending = new Set<Promise<unknown>>();
  const f = {
    calls: 0,
    fetch: ((input, init) => {
      f.calls++;
      const call = fetch(input, init);
      const entry = call.catch(() => undefined);
      pending.add(entry);
      void entry.finally(() => pending.delete(entry));
      return call;
    }) as typeof fetch,
    async idle(): Promise<void> {
      while (pending.size > 0) {
        await Promise.all([...pending]);
        await flush(2);
      }
    },
  };
  return f;
}

/** Memory storage that notifies other subscribers (like `storage` events) and counts its subscribers and calls. */
export function countingStorage() {
  const inner = memoryStorage();
  const subscribers = new Set<() => void>();
  const storage: StorageAdapter & { calls: number; readonly subscribers: number } = {
    shared: true,
    calls: 0,
    get subscribers() {
      return subscribers.size;
    },
    getItem(key) {
      storage.calls++;
      return inner.getItem(key);
    },
    setItem(key, value) {
      storage.calls++;
      return inner.setItem(key, value);
    },
    removeItem(key) {
      storage.calls++;
      return inner.removeItem(key);
    },
    subscribe(_key, onChange) {
      const entry = () => onChange();
      subscribers.add(entry);
      return () => void subscribers.delete(entry);
    },
  };
  return storage;
}
