import { describe, expect, it, vi } from 'vitest';
import { asyncStorage, DisposedError, memoryStorage, type AuthClient } from '../../src';
import { jump, setup, signIn } from '../client/support';
import { fakeAsyncStore, KEY } from './support';

const env = setup();

/** A session written by an earlier run of the app, in an async store that answers only when released. */
async function slowStoreWithSession() {
  const seeded = memoryStorage();
  const seedClient = env.client({ storage: seeded, lock: false, channel: false, autoRefresh: false });
  await signIn(seedClient);
  seedClient.dispose();
  const slow = fakeAsyncStore();
  slow.data.set(KEY, String(seeded.getItem(KEY)));
  return { ...slow, release: slow.hold() };
}

const countSettled = (promises: Array<Promise<unknown>>) => {
  let count = 0;
  for (const p of promises) p.then(() => count++, () => count++);
  return () => count;
};

const twenty = (auth: AuthClient) => Array.from({ length: 20 }, (_, i) => auth.http.get(`api/items/${i}`).json<{ id: string }>());

describe('requests issued before an async store has hydrated', () => {
  it('20 requests wait for a slow hydration, then all succeed with the restored token (no refresh, no 401)', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const slow = await slowStoreWithSession();
    server.resetCounters();
    const auth = env.client({ storage: asyncStorage(slow.store), lock: false, channel: false });
    expect(auth.session.status).toBe('loading');
    const requests = twenty(auth);
    const settled = countSettled(requests);
    // Nothing goes out before the store has answered (ky's own 10 s request timeout still applies).
    await vi.advanceTimersByTimeAsync(5000);
    expect(settled()).toBe(0);
    expect(server.counters.resourceRequests).toBe(0);
    expect(auth.session.status).toBe('loading');
    slow.release();
    const results = await Promise.all(requests);
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(auth.session.status).toBe('authenticated');
    expect(server.counters).toMatchObject({ resourceRequests: 20, unauthorized: 0, refreshCalls: 0 });
  });

  it('when the restored token has expired meanwhile, the 20 waiting requests share one refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const slow = await slowStoreWithSession();
    jump(120_000);
    server.resetCounters();
    const auth = env.client({ storage: asyncStorage(slow.store), lock: false, channel: false });
    const requests = twenty(auth);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.counters.refreshCalls).toBe(0);
    slow.release();
    await expect(Promise.all(requests)).resolves.toHaveLength(20);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 20 });
  });

  it('with an empty store the waiting requests go out without a token once hydration is done', async () => {
    const server = env.server();
    const slow = fakeAsyncStore();
    const release = slow.hold();
    const auth = env.client({ storage: asyncStorage(slow.store), lock: false, channel: false });
    const request = auth.http.get('api/me', { throwHttpErrors: false });
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.counters.resourceRequests).toBe(0);
    release();
    expect((await request).status).toBe(401);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('dispose() during hydration settles every waiting request and `ready`', async () => {
    env.server();
    const slow = await slowStoreWithSession();
    const auth = env.client({ storage: asyncStorage(slow.store), lock: false, channel: false });
    const requests = twenty(auth).map((p) => p.catch((error: unknown) => error));
    const token = auth.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    auth.dispose();
    for (const error of await Promise.all(requests)) expect(error).toBeInstanceOf(DisposedError);
    expect(await token).toBeInstanceOf(DisposedError);
    await expect(auth.ready).resolves.toBeUndefined();
  });
});
