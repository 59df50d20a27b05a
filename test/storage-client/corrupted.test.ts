import { describe, expect, it } from 'vitest';
import { asyncStorage, createAuthClient, secureStorage, splitStorage, webStorage, type StorageAdapter } from '../../src';
import { API, record, setup, signIn } from '../client/support';
import { fakeAsyncStore, fakeSecureStore, fakeWebStorage, KEY } from './support';

const env = setup();

const NOW = Date.UTC(2030, 0, 1);
const valid = { v: 1, accessToken: 'a.b.c', refreshToken: 'rt-1', expiresAt: NOW + 300_000, receivedAt: NOW, generation: 1, scope: null };
const blob = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });

const corrupted: Array<[string, string]> = [
  ['"not-json"', 'not-json'],
  ['half a JSON object', '{"v":1,"accessToken":"a.b'],
  ['an empty string', ''],
  ['JSON null', 'null'],
  ['a JSON array', '[]'],
  ['a JSON number', '42'],
  ['a JSON string', '"rt-1"'],
  ['accessToken of the wrong type', blob({ accessToken: 123 })],
  ['refreshToken of the wrong type', blob({ refreshToken: { value: 'rt-1' } })],
  ['expiresAt as a string', blob({ expiresAt: 'tomorrow' })],
  ['expiresAt negative', blob({ expiresAt: -1 })],
  ['expiresAt infinite', JSON.stringify(valid).replace(/"expiresAt":\d+/, '"expiresAt":1e400')],
  ['generation fractional', blob({ generation: 1.5 })],
  ['generation zero', blob({ generation: 0 })],
  ['scope with a control character', blob({ scope: 'read\u0000write' })],
  ['no token at all', blob({ accessToken: null, refreshToken: null })],
  ['{"__proto__": …} pollution', `{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`],
  ['a nested constructor.prototype', `{"constructor":{"prototype":{"polluted":true}},${JSON.stringify(valid).slice(1)}`],
  ['CR/LF inside the access token', blob({ accessToken: 'a.b.c\r\nX-Injected: 1' })],
  ['LF inside the refresh token', blob({ refreshToken: 'rt\nSet-Cookie: x=1' })],
  ['a space inside a token', blob({ refreshToken: 'rt 1' })],
  ['a non-ASCII token', blob({ accessToken: 'tökén' })],
  ['a token over 64 KiB', blob({ refreshToken: 'r'.repeat(70_000) })],
  ['a v0 layout (no version field)', JSON.stringify({ access_token: 'a.b.c', refresh_token: 'rt-1', expires_at: NOW + 300_000 })],
  ['a v0 layout (v: 0)', blob({ v: 0 })],
  ['a future layout (v: 2)', blob({ v: 2 })],
  ['the oldest layout (a bare refresh token)', 'rt-1'],
];

interface Backing {
  name: string;
  /** A store holding `raw` under the session key, and a way to read the key back. */
  make(raw: string): Promise<{ adapter: StorageAdapter; has(): boolean }>;
}

const backings: Backing[] = [
  {
    name: 'webStorage',
    async make(raw) {
      const fake = fakeWebStorage();
      fake.data.set(KEY, raw);
      return { adapter: webStorage(fake.storage), has: () => fake.data.has(KEY) };
    },
  },
  {
    name: 'asyncStorage',
    async make(raw) {
      const fake = fakeAsyncStore();
      fake.data.set(KEY, raw);
      return { adapter: asyncStorage(fake.store), has: () => fake.data.has(KEY) };
    },
  },
  {
    name: 'splitStorage(secureStorage)',
    async make(raw) {
      const fake = fakeSecureStore();
      // Written through the adapter, so values over 2048 bytes are chunked as a real app would have them.
      await secureStorage(fake.store).setItem(KEY, raw);
      return { adapter: splitStorage(secureStorage(fake.store)), has: () => fake.data.size > 0 };
    },
  },
];

describe.each(backings)('corrupted values in $name', (backing) => {
  it.each(corrupted)('%s: no throw, signed out, key removed, one session:end invalid-storage', async (_name, raw) => {
    env.server();
    const { adapter, has } = await backing.make(raw);
    expect(has()).toBe(true);
    const auth = env.client({ storage: adapter, lock: false, channel: false });
    const log = record(auth);
    await auth.ready;
    expect(auth.session.status).toBe('unauthenticated');
    expect(has()).toBe(false);
    expect(log.events).toEqual([{ type: 'session:end', payload: { reason: 'invalid-storage', origin: 'local' } }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // The client works normally afterwards.
    await signIn(auth);
    expect(auth.session.status).toBe('authenticated');
    expect(has()).toBe(true);
    expect(log.of('session:end')).toHaveLength(1);
  });
});

describe('unreadable storage', () => {
  it('a store whose read throws (a sandboxed frame\'s localStorage) never makes createAuthClient throw', async () => {
    env.server();
    const storage: StorageAdapter = {
      getItem() {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    const auth = createAuthClient({ baseUrl: API, storage, lock: false, channel: false, deviceInfo: false });
    try {
      const log = record(auth);
      await auth.ready;
      expect(auth.session.status).toBe('unauthenticated');
      expect(log.events).toEqual([
        { type: 'session:error', payload: { operation: 'storage-read', code: 'storage', message: expect.any(String) } },
      ]);
    } finally {
      auth.dispose();
    }
  });

  it('a non-string value from a custom adapter counts as invalid', async () => {
    env.server();
    let value: unknown = { accessToken: 'a.b.c' };
    const storage = {
      getItem: () => value,
      setItem: (_key: string, next: string) => void (value = next),
      removeItem: () => void (value = null),
    } as unknown as StorageAdapter;
    const auth = env.client({ storage, lock: false, channel: false });
    const log = record(auth);
    await auth.ready;
    expect(value).toBeNull();
    expect(log.of('session:end')).toEqual([{ reason: 'invalid-storage', origin: 'local' }]);
  });
});
