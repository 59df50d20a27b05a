import { describe, expect, it } from 'vitest';
import { asyncStorage, memoryStorage, secureStorage, splitStorage, webStorage, type StorageAdapter } from '../../src';
import { record, setup, signIn } from '../client/support';
import { dump, fakeAsyncStore, fakeSecureStore, fakeWebStorage, KEY } from './support';

const env = setup();

type StoreView = Pick<ReadonlyMap<string, string>, 'size' | 'get' | 'values'>;

interface Kind {
  name: string;
  /** A fresh backing store; `adapter()` is what a (re)started app passes as `storage`. */
  make(): { adapter(): StorageAdapter; data: StoreView };
  /** The access token is never persisted: a restarted client refreshes before its first request. */
  memoryOnlyAccessToken?: boolean;
}

const kinds: Kind[] = [
  {
    name: 'memoryStorage',
    make() {
      // The same adapter instance is the "restarted" app's store (memory never outlives a process).
      const adapter = memoryStorage();
      const view = {
        get size() {
          return adapter.getItem(KEY) === null ? 0 : 1;
        },
        get: (key: string) => (adapter.getItem(key) as string | null) ?? undefined,
        values: () => [adapter.getItem(KEY)].filter((v): v is string => typeof v === 'string').values(),
      };
      return { adapter: () => adapter, data: view };
    },
  },
  {
    name: 'webStorage over a Storage',
    make() {
      const fake = fakeWebStorage();
      return { adapter: () => webStorage(fake.storage), data: fake.data };
    },
  },
  {
    name: 'asyncStorage',
    make() {
      const fake = fakeAsyncStore();
      return { adapter: () => asyncStorage(fake.store), data: fake.data };
    },
  },
  {
    name: 'secureStorage',
    make() {
      const fake = fakeSecureStore();
      return { adapter: () => secureStorage(fake.store), data: fake.data };
    },
  },
  {
    name: 'splitStorage(secureStorage)',
    make() {
      const fake = fakeSecureStore();
      return { adapter: () => splitStorage(secureStorage(fake.store)), data: fake.data };
    },
    memoryOnlyAccessToken: true,
  },
];

const stored = (data: StoreView) => JSON.parse(data.get(KEY) ?? 'null') as Record<string, unknown> | null;

describe.each(kinds)('a real client on $name', (kind) => {
  it('persists one blob, restores it after a restart, rotates it and clears it on logout', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const { adapter, data } = kind.make();
    const first = env.client({ storage: adapter(), lock: false, channel: false, autoRefresh: false });
    await first.ready;
    expect(first.session.status).toBe('unauthenticated');
    await signIn(first);
    const access = await first.getAccessToken();
    const blob = stored(data);
    expect(blob).toMatchObject({ v: 1, generation: 1 });
    const refresh1 = blob?.['refreshToken'];
    expect(typeof refresh1).toBe('string');
    if (kind.memoryOnlyAccessToken) {
      expect(blob?.['accessToken']).toBeNull();
      expect(dump(data)).not.toContain(access);
    } else {
      expect(blob?.['accessToken']).toBe(access);
    }

    await first.refresh();
    const refresh2 = stored(data)?.['refreshToken'];
    expect(refresh2).not.toBe(refresh1);
    expect(dump(data)).not.toContain(String(refresh1));
    first.dispose();

    // The app restarts: a new client (and a new adapter) over the same backing store.
    server.resetCounters();
    const second = env.client({ storage: adapter(), lock: false, channel: false, autoRefresh: false });
    const log = record(second);
    await second.ready;
    expect(second.session.status).toBe('authenticated');
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'storage', generation: 2 })]);
    await expect(second.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(kind.memoryOnlyAccessToken ? 1 : 0);
    expect(server.counters.unauthorized).toBe(0);
    expect(server.counters.reuseDetections).toBe(0);

    await second.logout();
    expect(data.size).toBe(0);
    expect(second.session.status).toBe('unauthenticated');
  });
});
