import { describe, expect, it, vi } from 'vitest';
import { localChannelHub, localLock, type AuthClient } from '../../src';
import { jump, setup, signIn } from '../client/support';
import { laggyOrigin } from './fake-window';
import { trackedFetch } from './support';

const env = setup();

/** The requests the tabs of a test have on the (mocked) network: fake time waits for them. */
let network = trackedFetch();

/**
 * Runs the fake clock in small steps until `work` settles (storage propagation and polling run on it).
 * Fake time never moves while a request is on the mocked network, which answers in real time: how
 * much fake time passes does not depend on how loaded the machine is.
 */
async function drive<T>(work: Promise<T>, stepMs = 5, maxSteps = 4000): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < maxSteps && !settled; i++) {
    await network.idle();
    if (settled) break;
    await vi.advanceTimersByTimeAsync(stepMs);
    // Let real I/O (mocked responses, WebCrypto) keep pace with the fake clock.
    for (let j = 0; j < 3; j++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return work;
}

function laggyTabs(n: number, lagMs: number) {
  const origin = laggyOrigin(lagMs);
  const lock = localLock();
  const hub = localChannelHub();
  network = trackedFetch();
  const clients: AuthClient[] = Array.from({ length: n }, () =>
    // No request timeout: the fake clock runs ahead of real I/O here, and a timeout is not what is tested.
    env.client({ storage: origin.tab(), lock, channel: hub.channel(), autoRefresh: false, fetch: network.fetch, http: { timeout: false } }),
  );
  return { origin, clients };
}

describe('storage that reaches other tabs after the lock does (separate processes)', () => {
  it('5 tabs, writes visible elsewhere only 20 ms later: the tab next in the lock waits for its view instead of posting the spent token', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients } = laggyTabs(5, 20);
    const [leader] = clients;
    if (!leader) throw new Error('no tabs');
    await signIn(leader);
    await drive(Promise.all(clients.map((c) => new Promise<void>((resolve) => (c.session.status === 'authenticated' ? resolve() : c.on('session:start', () => resolve()))))));
    jump(61_000);
    server.resetCounters();
    const results = await drive(Promise.all(clients.flatMap((c) => [c.http.get('api/me').json(), c.http.get('api/items/1').json()])));
    expect(results).toHaveLength(10);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0 });
    expect(clients.map((c) => c.session.generation)).toEqual([2, 2, 2, 2, 2]);
  });

  it('a tab whose own refresh got an unusable answer retries its token without waiting on its own mark', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'off' });
    const { clients } = laggyTabs(1, 20);
    const [auth] = clients;
    if (!auth) throw new Error('no tabs');
    await signIn(auth);
    jump(61_000);
    server.inject('refresh', { type: 'malformed', kind: 'missing-fields' });
    await expect(drive(auth.refresh())).rejects.toMatchObject({ code: 'TF_REFRESH_FAILED' });
    // Within the backoff an explicit refresh sends nothing; past it, it goes.
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'TF_REFRESH_FAILED' });
    jump(1_000);
    const started = Date.now();
    await expect(drive(auth.refresh())).resolves.toMatchObject({ generation: 2 });
    // Far below lockTimeout (10 s), which a wait for a catch-up that can never come would last; the
    // margin is the fake time `drive` lets pass while the mocked network answers in real time.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('the mark of a refresh that failed is released: the next tab posts the (unspent) token at once', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients } = laggyTabs(2, 20);
    const [first, second] = clients;
    if (!first || !second) throw new Error('no tabs');
    await signIn(first);
    await drive(new Promise<void>((resolve) => (second.session.status === 'authenticated' ? resolve() : second.on('session:start', () => resolve()))));
    jump(61_000);
    server.inject('refresh', { type: 'status', status: 503 });
    server.resetCounters();
    await expect(drive(first.refresh())).rejects.toMatchObject({ code: 'TF_REFRESH_FAILED' });
    // Tabs share one endpoint: the other tab probes it again `backoff.base` after the failure, no sooner.
    await expect(second.refresh()).rejects.toMatchObject({ code: 'TF_REFRESH_FAILED' });
    jump(1_000);
    const started = Date.now();
    await expect(drive(second.refresh())).resolves.toMatchObject({ generation: 2 });
    // Far below lockTimeout (10 s), which a wait for a catch-up that can never come would last; the
    // margin is the fake time `drive` lets pass while the mocked network answers in real time.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
  });
});
