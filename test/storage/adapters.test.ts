import { describe, expect, it, vi } from 'vitest';
import { asyncStorage, memoryStorage, webStorage } from '../../src/session/storage';
import type { StorageAdapter, WebStorageLike } from '../../src/session/storage';

const fakeWebStorage = (): WebStorageLike & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
};

async function roundTrip(adapter: StorageAdapter) {
  expect(await adapter.getItem('k')).toBeNull();
  await adapter.setItem('k', 'v1');
  await adapter.setItem('other', 'x');
  expect(await adapter.getItem('k')).toBe('v1');
  await adapter.setItem('k', 'v2');
  expect(await adapter.getItem('k')).toBe('v2');
  await adapter.removeItem('k');
  expect(await adapter.getItem('k')).toBeNull();
  expect(await adapter.getItem('other')).toBe('x');
}

describe('memoryStorage', () => {
  it('gets, sets and removes', () => roundTrip(memoryStorage()));
  it('is independent per call', () => {
    const a = memoryStorage();
    a.setItem('k', 'v');
    expect(memoryStorage().getItem('k')).toBeNull();
  });
});

describe('webStorage', () => {
  it('gets, sets and removes synchronously', async () => {
    const store = fakeWebStorage();
    const adapter = webStorage(store);
    adapter.setItem('k', 'v');
    expect(adapter.getItem('k')).toBe('v');
    expect(store.data.get('k')).toBe('v');
    adapter.removeItem('k');
    await roundTrip(adapter);
  });

  it('subscribe fires for changes of its key or a clear in its storage area only', () => {
    const store = fakeWebStorage();
    const target = new EventTarget();
    const adapter = webStorage(store, { target });
    const onChange = vi.fn();
    const off = adapter.subscribe!('k', onChange);
    const fire = (init: { key: string | null; storageArea: unknown }) =>
      target.dispatchEvent(Object.assign(new Event('storage'), init));

    fire({ key: 'k', storageArea: store });
    fire({ key: null, storageArea: store });
    expect(onChange).toHaveBeenCalledTimes(2);
    fire({ key: 'other', storageArea: store });
    fire({ key: 'k', storageArea: fakeWebStorage() });
    target.dispatchEvent(new Event('storage'));
    expect(onChange).toHaveBeenCalledTimes(2);
    off();
    fire({ key: 'k', storageArea: store });
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('subscribe is inert without addEventListener (Node globals lack it)', () => {
    const adapter = webStorage(fakeWebStorage(), { target: {} as EventTarget });
    const off = adapter.subscribe!('k', () => {});
    expect(() => off()).not.toThrow();
  });
});

describe('asyncStorage', () => {
  it('delegates to an AsyncStorage-shaped store, keeping `this`', async () => {
    const data = new Map<string, string>();
    const store = {
      data,
      async getItem(k: string) {
        return this.data.get(k) ?? null;
      },
      async setItem(k: string, v: string) {
        this.data.set(k, v);
      },
      async removeItem(k: string) {
        this.data.delete(k);
      },
    };
    const adapter = asyncStorage(store);
    await roundTrip(adapter);
    await adapter.setItem('k', 'v');
    expect(data.get('k')).toBe('v');
  });
});
