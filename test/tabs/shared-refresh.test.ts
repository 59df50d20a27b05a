import { describe, expect, it, vi } from 'vitest';
import { webLocks } from '../../src';
import type { LockManagerLike } from '../../src/sync';
import { jump, record, setup, signIn } from '../client/support';
import { KEY } from '../storage-client/support';
import { LOCK_NAME, nextEvent, tabs } from './support';

const env = setup();
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('many tabs on one store share one refresh', () => {
  it('5 tabs whose tokens expire together, 4 requests each: 1 refresh, 0 reuse, every tab on the new generation', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients } = tabs(env, 5, { autoRefresh: false });
    const [first] = clients;
    if (!first) throw new Error('no tabs');
    await Promise.all(clients.map((c) => c.ready));
    await signIn(first);
    await settle();
    expect(clients.map((c) => c.session.generation)).toEqual([1, 1, 1, 1, 1]);
    const logs = clients.map(record);

    jump(61_000);
    server.resetCounters();
    const results = await Promise.all(clients.flatMap((c) => Array.from({ length: 4 }, (_, i) => c.http.get(`api/items/${i}`).json())));
    await settle();
    expect(results).toHaveLength(20);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 20 });
    expect(clients.map((c) => c.session.generation)).toEqual([2, 2, 2, 2, 2]);
    const origins = logs.map((log) => log.of('session:refresh').map((e) => e.origin));
    expect(origins.filter((o) => o.join() === 'local')).toHaveLength(1);
    expect(origins.filter((o) => o.join() === 'remote')).toHaveLength(4);
    for (const log of logs) expect(log.of('session:end')).toHaveLength(0);
  });

  it('5 background timers firing at the same moment: 1 refresh', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict' });
    const { clients } = tabs(env, 5);
    const [first] = clients;
    if (!first) throw new Error('no tabs');
    await signIn(first);
    await settle();
    server.resetCounters();
    const refreshed = clients.map((c) => nextEvent(c, 'session:refresh'));
    // Due at 540 s (a 60 s margin): every tab's timer fires at that same moment.
    await vi.advanceTimersByTimeAsync(540_001);
    await Promise.all(refreshed);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
  });

  it('a stale reader (it missed the broadcast) adopts the stored session instead of posting its old token', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const shared = tabs(env, 1, { autoRefresh: false });
    const [writer] = shared.clients;
    if (!writer) throw new Error('no tabs');
    await signIn(writer);
    const stale = shared.open({ channel: false });
    await stale.ready;
    expect(stale.session.generation).toBe(1);
    const log = record(stale);

    jump(61_000);
    await writer.refresh();
    expect(stale.session.generation).toBe(1);
    server.resetCounters();
    await expect(stale.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 0, reuseDetections: 0, unauthorized: 0 });
    expect(stale.session.generation).toBe(2);
    expect(log.of('session:refresh')).toEqual([expect.objectContaining({ origin: 'remote', generation: 2 })]);
  });

  it('a stale reader whose 401 comes from a token another tab replaced replays with the stored one', async () => {
    const server = env.server({ accessTokenTtl: 3600, rotation: 'strict' });
    const shared = tabs(env, 1, { autoRefresh: false });
    const [writer] = shared.clients;
    if (!writer) throw new Error('no tabs');
    await signIn(writer);
    const stale = shared.open({ channel: false });
    await stale.ready;
    server.expireAccessTokens();
    await writer.refresh();
    server.resetCounters();
    await expect(stale.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 0, reuseDetections: 0, unauthorized: 1 });
  });

  it('on invalid_grant a tab re-reads storage once and adopts the session another tab committed meanwhile', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const shared = tabs(env, 1, { autoRefresh: false });
    const [winner] = shared.clients;
    if (!winner) throw new Error('no tabs');
    await signIn(winner);
    // The loser has no lock (say, Web Locks are unavailable) and no channel; its refresh call stalls
    // until the winner has committed, then the server answers invalid_grant.
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const loser = shared.open({
      lock: false,
      channel: false,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (!request.url.endsWith('/auth/refresh')) return fetch(request);
        await stalled;
        return Response.json({ error: 'invalid_grant' }, { status: 400 });
      },
    });
    await loser.ready;
    const log = record(loser);
    jump(61_000);
    const losing = loser.refresh();
    await settle();
    await winner.refresh();
    release();
    await expect(losing).resolves.toMatchObject({ status: 'authenticated', generation: 2 });
    expect(log.of('session:end')).toHaveLength(0);
    expect(log.of('session:refresh')).toEqual([expect.objectContaining({ origin: 'remote' })]);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('never posts a refresh token that differs from the stored one', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const shared = tabs(env, 1, { autoRefresh: false });
    const [writer] = shared.clients;
    if (!writer) throw new Error('no tabs');
    await signIn(writer);
    const sent: string[] = [];
    const stale = shared.open({
      channel: false,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (request.url.endsWith('/auth/refresh')) sent.push(((await request.clone().json()) as { refreshToken: string }).refreshToken);
        return fetch(request);
      },
    });
    await stale.ready;
    // The other tab rotates twice: the stale tab's token is two generations old, and both copies are due.
    jump(61_000);
    await writer.refresh();
    jump(61_000);
    await writer.refresh();
    const stored = JSON.parse(String(await shared.storage.getItem(KEY))) as { refreshToken: string };
    server.resetCounters();
    jump(61_000);
    await expect(stale.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(sent).toEqual([stored.refreshToken]);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });
});

describe('a lock that never comes', () => {
  it('a Web Locks request that never settles (and ignores its signal): the refresh goes ahead after lockTimeout, twice (lock, then fallback lock)', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const never: LockManagerLike = { request: () => new Promise<never>(() => undefined) };
    const auth = env.client({ lock: webLocks(never), lockTimeout: 3000, channel: false, autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const request = auth.http.get('api/me').json();
    // lockTimeout for the lock, then as long again for the fallback lock (which never answers either).
    await vi.advanceTimersByTimeAsync(5999);
    expect(server.counters.refreshCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(request).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a lock held forever by a dead tab: the refresh goes ahead after lockTimeout', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const shared = tabs(env, 1, { autoRefresh: false, lockTimeout: 5000 });
    const [auth] = shared.clients;
    if (!auth) throw new Error('no tabs');
    await signIn(auth);
    void shared.lock.run(LOCK_NAME, 60_000, () => new Promise<never>(() => undefined));
    jump(61_000);
    server.resetCounters();
    const request = auth.http.get('api/me').json();
    await vi.advanceTimersByTimeAsync(4999);
    expect(server.counters.refreshCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(request).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });
});
