import { describe, expect, it, vi } from 'vitest';
import { localChannelHub, localLock, memoryStorage, type AuthClient } from '../../src';
import { KEY } from '../storage-client/support';
import { flush, hold, record, setup, signIn } from '../client/support';
import { trackedFetch } from '../tabs/support';

const env = setup();
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('logout racing dispose', () => {
  it('logout() then dispose() at once: the refresh token is still revoked at the server, the store is empty', async () => {
    const server = env.server();
    const network = trackedFetch();
    const storage = memoryStorage();
    const auth = env.client({ storage, fetch: network.fetch });
    await signIn(auth);
    const out = auth.logout();
    auth.dispose();
    await out.catch(() => undefined);
    await settle();
    await network.idle();
    expect(await storage.getItem(KEY)).toBeNull();
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
  });

  it('logout() while the stored session is still being read, then dispose(): the stored refresh token is revoked, the store emptied', async () => {
    const server = env.server();
    const network = trackedFetch();
    const storage = memoryStorage();
    await signIn(env.client({ storage, fetch: network.fetch }));
    const auth = env.client({ storage, fetch: network.fetch });
    expect(auth.session.status).toBe('loading');
    const out = auth.logout();
    auth.dispose();
    await out.catch(() => undefined);
    await flush();
    await network.idle();
    expect(await storage.getItem(KEY)).toBeNull();
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
  });

  it('logout() then dispose() while a refresh is on the way: its rotated tokens never land in the store after the logout', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const network = trackedFetch();
    const storage = memoryStorage();
    const auth = env.client({ storage, fetch: network.fetch, autoRefresh: false });
    await signIn(auth);
    const slow = hold(server, env.msw, '/auth/refresh');
    const refreshing = auth.refresh().catch(() => undefined);
    await slow.entered;
    const out = auth.logout().catch(() => undefined);
    auth.dispose();
    await out;
    slow.release();
    await slow.done;
    await refreshing;
    await flush();
    await network.idle();
    await flush();
    expect(await storage.getItem(KEY)).toBeNull();
    expect(server.keys('ada').every((key) => key.revokedAt !== null || key.rotatedAt !== null)).toBe(true);
  });
});

describe('logout racing dispose, many tabs', () => {
  it('logout() then dispose() at once: the other tabs still hear the logout and sign out', async () => {
    env.server();
    const storage = memoryStorage();
    const lock = localLock();
    const hub = localChannelHub();
    const [leaving, other] = [0, 1].map(() => env.client({ storage, lock, channel: hub.channel() })) as [AuthClient, AuthClient];
    await signIn(leaving);
    await flush();
    expect(other.session.status).toBe('authenticated');
    const log = record(other);
    const out = leaving.logout();
    leaving.dispose();
    await out;
    await flush();
    expect(other.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
  });
});

describe('a logout told while another tab is still reading the store', () => {
  it('the loading tab does not start the session that was logged out meanwhile', async () => {
    env.server();
    const storage = memoryStorage();
    const lock = localLock();
    const hub = localChannelHub();
    const leader = env.client({ storage, lock, channel: hub.channel() });
    await signIn(leader);
    // A slow store read in the new tab: it reads the session, then the leader logs out before it is done.
    let releaseRead!: () => void;
    const gate = new Promise<void>((resolve) => (releaseRead = resolve));
    let reads = 0;
    const slowStorage = {
      ...storage,
      getItem: async (key: string) => {
        const value = await storage.getItem(key);
        if (key === KEY && reads++ === 0) await gate;
        return value;
      },
    };
    const late: AuthClient = env.client({ storage: slowStorage, lock, channel: hub.channel() });
    const log = record(late);
    await flush();
    await leader.logout();
    await flush();
    releaseRead();
    await late.ready;
    await flush();
    expect(late.session.status).toBe('unauthenticated');
    expect(log.of('session:start').length).toBe(log.of('session:end').length);
  });
});

describe('a store emptied while another instance is still reading it (an async store that notifies: its reads are queued behind the start-up read)', () => {
  it('the loading instance does not start the session that was removed meanwhile', async () => {
    env.server();
    const storage = memoryStorage();
    const watchers = new Set<() => void>();
    let releaseRead!: () => void;
    const gate = new Promise<void>((resolve) => (releaseRead = resolve));
    let reads = 0;
    const notifying = (slow: boolean) => ({
      getItem: async (key: string) => {
        const value = await storage.getItem(key);
        if (slow && key === KEY && reads++ === 0) await gate;
        return value;
      },
      setItem: (key: string, value: string) => (storage.setItem(key, value), watchers.forEach((w) => w())),
      removeItem: (key: string) => (storage.removeItem(key), watchers.forEach((w) => w())),
      subscribe: (_key: string, fn: () => void) => (watchers.add(fn), () => void watchers.delete(fn)),
    });
    const lock = localLock();
    const leader = env.client({ storage: notifying(false), lock, channel: false });
    await signIn(leader);
    const late = env.client({ storage: notifying(true), lock, channel: false });
    await flush();
    await leader.logout();
    await flush();
    releaseRead();
    await late.ready;
    await flush();
    expect(late.session.status).toBe('unauthenticated');
  });
});
