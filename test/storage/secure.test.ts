import { describe, expect, it } from 'vitest';
import { encodeSession, keychainStore, secureStorage, splitStorage, memoryStorage, webStorage } from '../../src/session/storage';
import type { SecureStoreLike, StoredSession } from '../../src/session/storage';

/** Mimics expo-secure-store: key charset and 2048-byte value limit enforced. */
const fakeSecureStore = (limit = 2048): SecureStoreLike & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return {
    data,
    getItemAsync: async (k) => data.get(k) ?? null,
    setItemAsync: async (k, v) => {
      if (!/^[\w.-]+$/.test(k)) throw new Error('bad key');
      if (new TextEncoder().encode(v).length > limit) throw new Error('value too large');
      data.set(k, v);
    },
    deleteItemAsync: async (k) => void data.delete(k),
  };
};

describe('secureStorage', () => {
  it('stores small values directly', async () => {
    const store = fakeSecureStore();
    const adapter = secureStorage(store);
    await adapter.setItem('tokenflight.session', 'small');
    expect([...store.data]).toEqual([['tokenflight.session', 'small']]);
    expect(await adapter.getItem('tokenflight.session')).toBe('small');
    await adapter.removeItem('tokenflight.session');
    expect(store.data.size).toBe(0);
    expect(await adapter.getItem('tokenflight.session')).toBeNull();
  });

  it('chunks a 5 kB value and reassembles it', async () => {
    const store = fakeSecureStore();
    const adapter = secureStorage(store);
    const value = Array.from({ length: 5000 }, (_, i) => 'abcdefghij'[i % 10]).join('');
    await adapter.setItem('k', value);
    expect(store.data.get('k')).toMatch(/^chunks:3:[0-9a-f]{8}$/);
    expect(store.data.get('k.3')).toHaveLength(5000 - 4096);
    expect(await adapter.getItem('k')).toBe(value);
  });

  it('chunks non-ASCII values by UTF-8 size without splitting surrogate pairs', async () => {
    const store = fakeSecureStore();
    const adapter = secureStorage(store);
    const value = 'é😀'.repeat(700);
    await adapter.setItem('k', value);
    expect(await adapter.getItem('k')).toBe(value);
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    for (const [k, v] of store.data) if (k !== 'k') expect(loneSurrogate.test(v)).toBe(false);
    expect(store.data.size).toBeGreaterThan(3);
  });

  it('removes stale chunks when the value shrinks, and on remove', async () => {
    const store = fakeSecureStore(100);
    const adapter = secureStorage(store, { maxValueBytes: 100 });
    await adapter.setItem('k', 'x'.repeat(450));
    expect(store.data.size).toBe(6);
    await adapter.setItem('k', 'y'.repeat(150));
    expect([...store.data.keys()].sort()).toEqual(['k', 'k.1', 'k.2']);
    expect(await adapter.getItem('k')).toBe('y'.repeat(150));
    await adapter.setItem('k', 'z');
    expect([...store.data]).toEqual([['k', 'z']]);
    await adapter.setItem('k', 'w'.repeat(250));
    await adapter.removeItem('k');
    expect(store.data.size).toBe(0);
  });

  it('returns null when a chunk is missing', async () => {
    const store = fakeSecureStore();
    const adapter = secureStorage(store);
    await adapter.setItem('k', 'q'.repeat(5000));
    store.data.delete('k.2');
    expect(await adapter.getItem('k')).toBeNull();
  });

  it('never confuses a value that looks like a header with one', async () => {
    const store = fakeSecureStore();
    const adapter = secureStorage(store);
    await adapter.setItem('k', 'chunks:2');
    expect(await adapter.getItem('k')).toBe('chunks:2');
    store.data.set('k', 'chunks:9999');
    expect(await adapter.getItem('k')).toBeNull();
  });

  it('rejects keys expo-secure-store cannot hold', async () => {
    const adapter = secureStorage(fakeSecureStore());
    await expect(adapter.setItem('bad key/1', 'v')).rejects.toThrow(TypeError);
    await expect(adapter.getItem('bad:key')).rejects.toThrow(TypeError);
  });
});

describe('keychainStore', () => {
  it('maps keys to services', async () => {
    const services = new Map<string, { username: string; password: string }>();
    const keychain = {
      setGenericPassword: async (username: string, password: string, opts?: { service?: string }) => {
        services.set(opts?.service ?? '', { username, password });
        return { service: opts?.service };
      },
      getGenericPassword: async (opts?: { service?: string }) => services.get(opts?.service ?? '') ?? (false as const),
      resetGenericPassword: async (opts?: { service?: string }) => services.delete(opts?.service ?? ''),
    };
    const store = keychainStore(keychain);
    expect(await store.getItemAsync('a')).toBeNull();
    await store.setItemAsync('a', 'secret');
    await store.setItemAsync('b', 'other');
    expect(services.get('a')?.password).toBe('secret');
    expect(await store.getItemAsync('a')).toBe('secret');
    await store.deleteItemAsync('a');
    expect(await store.getItemAsync('a')).toBeNull();
    expect(await store.getItemAsync('b')).toBe('other');
    // Composes with secureStorage.
    const adapter = secureStorage(store);
    await adapter.setItem('k', 'v'.repeat(3000));
    expect(await adapter.getItem('k')).toBe('v'.repeat(3000));
  });
});

describe('splitStorage', () => {
  const session = (generation: number, refreshToken: string | null = `rt${generation}`): StoredSession => ({
    v: 1,
    accessToken: `at${generation}`,
    refreshToken,
    expiresAt: 5000,
    receivedAt: 1000,
    generation,
    scope: null,
  });

  it('keeps the access token in memory only', async () => {
    const secureData = fakeSecureStore();
    const secure = secureStorage(secureData);
    const split = splitStorage(secure);
    await split.setItem('k', encodeSession(session(1)));
    expect(await split.getItem('k')).toBe(encodeSession(session(1)));
    await split.setItem('k', encodeSession(session(2)));
    expect(await split.getItem('k')).toBe(encodeSession(session(2)));
    const persisted = JSON.parse(String(await secure.getItem('k')));
    expect(persisted).toMatchObject({ accessToken: null, expiresAt: 0, refreshToken: 'rt2', generation: 2 });
    expect([...secureData.data.values()].join()).not.toContain('at2');
  });

  it('after a restart loads the secure blob without an access token', async () => {
    const secure = memoryStorage();
    await splitStorage(secure).setItem('k', encodeSession(session(4)));
    const restarted = splitStorage(secure);
    expect(JSON.parse(String(await restarted.getItem('k')))).toEqual({ ...session(4), accessToken: null, expiresAt: 0 });
  });

  it('falls back to the secure blob when another context committed a newer generation', async () => {
    const secure = memoryStorage();
    const a = splitStorage(secure);
    const b = splitStorage(secure);
    await a.setItem('k', encodeSession(session(1)));
    await b.setItem('k', encodeSession(session(2)));
    expect(JSON.parse(String(await a.getItem('k')))).toMatchObject({ generation: 2, accessToken: null });
  });

  it('writes undecodable values through and removes from both', async () => {
    const secure = memoryStorage();
    const split = splitStorage(secure);
    await split.setItem('k', encodeSession(session(1)));
    await split.setItem('k', 'garbage');
    expect(secure.getItem('k')).toBe('garbage');
    expect(await split.getItem('k')).toBe('garbage');
    await split.setItem('k', encodeSession(session(2)));
    await split.removeItem('k');
    expect(secure.getItem('k')).toBeNull();
    expect(await split.getItem('k')).toBeNull();
  });

  it('keeps a cookie-mode session (no refresh token) in memory only', async () => {
    const secure = memoryStorage();
    const split = splitStorage(secure);
    await split.setItem('k', encodeSession(session(1)));
    await split.setItem('k', encodeSession(session(2, null)));
    expect(secure.getItem('k')).toBeNull();
    expect(await split.getItem('k')).toBe(encodeSession(session(2, null)));
    expect(await splitStorage(secure).getItem('k')).toBeNull();
  });

  it('passes subscribe through', () => {
    const target = new EventTarget();
    const split = splitStorage(webStorage(memoryStorage() as never, { target }));
    expect(typeof split.subscribe).toBe('function');
    expect(splitStorage(memoryStorage()).subscribe).toBeUndefined();
  });

  it.each([0, 5, 31, 1.5, Number.NaN])('refuses maxValueBytes %s (a chunk could not hold a character: the split would never progress)', (maxValueBytes) => {
    expect(() => secureStorage(fakeSecureStore(), { maxValueBytes })).toThrow(RangeError);
  });
});
