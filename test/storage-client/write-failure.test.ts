import { describe, expect, it } from 'vitest';
import { asyncStorage, secureStorage, splitStorage, webStorage, type StorageAdapter } from '../../src';
import { record, setup, signIn } from '../client/support';
import { dump, fakeAsyncStore, fakeSecureStore, fakeWebStorage, KEY } from './support';

const env = setup();

interface Failing {
  name: string;
  make(): { adapter: StorageAdapter; data: ReadonlyMap<string, string>; failWrites(on?: boolean): void };
}

const failing: Failing[] = [
  {
    name: 'webStorage (QuotaExceededError)',
    make() {
      const fake = fakeWebStorage();
      return { adapter: webStorage(fake.storage), data: fake.data, failWrites: fake.failWrites };
    },
  },
  {
    name: 'asyncStorage (rejected write)',
    make() {
      const fake = fakeAsyncStore();
      return { adapter: asyncStorage(fake.store), data: fake.data, failWrites: fake.failWrites };
    },
  },
  {
    name: 'splitStorage(secureStorage) (keychain error)',
    make() {
      const fake = fakeSecureStore();
      return { adapter: splitStorage(secureStorage(fake.store)), data: fake.data, failWrites: fake.failWrites };
    },
  },
];

const refreshTokenIn = (data: ReadonlyMap<string, string>): string => {
  const parsed = JSON.parse(data.get(KEY) ?? 'null') as { refreshToken?: unknown } | null;
  if (typeof parsed?.refreshToken !== 'string') throw new Error('no stored refresh token');
  return parsed.refreshToken;
};

describe.each(failing)('a failed write after a rotation: $name', (kind) => {
  it('keeps the session in memory, reports a session:error, and leaves no old refresh token behind', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const { adapter, data, failWrites } = kind.make();
    const auth = env.client({ storage: adapter, lock: false, channel: false, autoRefresh: false });
    await signIn(auth);
    const oldRefresh = refreshTokenIn(data);
    const log = record(auth);

    failWrites();
    await expect(auth.refresh()).resolves.toMatchObject({ status: 'authenticated', generation: 2 });
    expect(dump(data)).not.toContain(oldRefresh);
    expect(data.has(KEY)).toBe(false);
    expect(log.of('session:error')).toEqual([{ operation: 'storage-write', code: 'storage', message: expect.any(String) }]);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(log.of('session:end')).toHaveLength(0);
    const access = await auth.getAccessToken();
    expect(JSON.stringify(log.events)).not.toContain(oldRefresh);
    expect(JSON.stringify(log.events)).not.toContain(String(access));

    // The rotated token lives on in memory: requests and the next rotation work without any reuse.
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await auth.refresh();
    expect(server.counters.reuseDetections).toBe(0);
    expect(auth.session.status).toBe('authenticated');
    expect(log.of('session:error')).toHaveLength(2);

    // Once the store accepts writes again, the next rotation is persisted.
    failWrites(false);
    await auth.refresh();
    expect(refreshTokenIn(data)).not.toBe(oldRefresh);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('a failed write at login keeps the session in memory and reports it', async () => {
    env.server();
    const { adapter, data, failWrites } = kind.make();
    const auth = env.client({ storage: adapter, lock: false, channel: false, autoRefresh: false });
    const log = record(auth);
    failWrites();
    await signIn(auth);
    expect(auth.session.status).toBe('authenticated');
    expect(data.size).toBe(0);
    expect(log.of('session:error')).toEqual([expect.objectContaining({ operation: 'storage-write' })]);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });
});
