import { describe, expect, it, vi } from 'vitest';
import { localLock, SessionEndedError, webStorage, type AuthClient } from '../../src';
import { jump, record, setup, signIn } from '../client/support';
import { KEY } from '../storage-client/support';
import { fakeOrigin } from './fake-window';
import { tabs, trackedFetch } from './support';

const env = setup();
const settle = () => vi.advanceTimersByTimeAsync(0);
const first = (clients: AuthClient[]): AuthClient => {
  const [client] = clients;
  if (!client) throw new Error('no tabs');
  return client;
};

describe('logout in one tab', () => {
  it('signs every other tab out (origin remote, once each) and leaves the store empty', async () => {
    const server = env.server();
    const { clients, storage } = tabs(env, 4);
    const leader = first(clients);
    await signIn(leader);
    await settle();
    expect(clients.map((c) => c.session.status)).toEqual(Array(4).fill('authenticated'));
    const logs = clients.map(record);

    const { revocation } = await leader.logout();
    await settle();
    expect(await revocation).toBe(true);
    expect(clients.map((c) => c.session.status)).toEqual(Array(4).fill('unauthenticated'));
    expect(await storage.getItem(KEY)).toBeNull();
    expect(logs[0]?.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    for (const log of logs.slice(1)) expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    expect(server.counters.revocations).toBe(1);
    // Another tab's next request goes out without a token.
    expect((await clients[1]?.http.get('api/me', { throwHttpErrors: false }))?.status).toBe(401);
  });

  it('a tab that is refreshing when another logs out: its result never lands, the store stays empty, its new token is revoked', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const network = trackedFetch();
    const { clients, storage } = tabs(env, 2, { autoRefresh: false, fetch: network.fetch });
    const [leader, refresher] = clients;
    if (!leader || !refresher) throw new Error('no tabs');
    await signIn(leader);
    await settle();
    const log = record(refresher);
    server.inject('refresh', { type: 'delay', ms: 1000 });
    const refreshing = refresher.refresh().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    await leader.logout();
    await vi.advanceTimersByTimeAsync(2000);
    expect(await refreshing).toBeInstanceOf(SessionEndedError);
    expect(await storage.getItem(KEY)).toBeNull();
    expect(refresher.session.status).toBe('unauthenticated');
    expect(log.of('session:refresh')).toHaveLength(0);
    expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    await network.idle();
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
  });

  it.each([
    ['revocation on', true],
    ['revocation off (endpoints.logout: false)', false],
  ])('with storage events only (no BroadcastChannel), %s: other tabs follow, even one in the middle of a refresh', async (_name, revoke) => {
    const server = env.server({ accessTokenTtl: 60 });
    const network = trackedFetch();
    const origin = fakeOrigin();
    const lock = localLock();
    const open = () => {
      const w = origin.window();
      const storage = webStorage(w.storage, { target: w.target });
      return env.client({ storage, lock, channel: false, autoRefresh: false, fetch: network.fetch, ...(revoke ? {} : { endpoints: { logout: false } }) });
    };
    const leader = open();
    const idle = open();
    const refresher = open();
    await signIn(leader);
    await settle();
    expect([idle.session.status, refresher.session.status]).toEqual(['authenticated', 'authenticated']);
    const logs = [idle, refresher].map(record);

    server.inject('refresh', { type: 'delay', ms: 1000 });
    const refreshing = refresher.refresh().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    await leader.logout();
    // One task later (the storage event), while the refresh is still on the network, both have followed.
    await vi.advanceTimersByTimeAsync(0);
    expect([idle.session.status, refresher.session.status]).toEqual(['unauthenticated', 'unauthenticated']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await refreshing).toBeInstanceOf(SessionEndedError);
    expect(origin.data.has(KEY)).toBe(false);
    expect([idle.session.status, refresher.session.status]).toEqual(['unauthenticated', 'unauthenticated']);
    for (const log of logs) expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    expect(logs[1]?.of('session:refresh')).toHaveLength(0);
    await network.idle();
    if (revoke) expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
  });

  it.each([
    ['the server still accepts its token (revocation off): the result is dropped and revoked', false],
    ['the server rejects its token (revoked by the logout): it ends as remote, not invalid_grant', true],
  ])('a tab that hears nothing (no channel, no storage events) never writes over the logout; %s', async (_name, revoke) => {
    const server = env.server({ accessTokenTtl: 60 });
    const network = trackedFetch();
    const shared = tabs(env, 1, { autoRefresh: false, endpoints: revoke ? {} : { logout: false }, fetch: network.fetch });
    const leader = first(shared.clients);
    await signIn(leader);
    const deaf = shared.open({ channel: false, endpoints: {} });
    await deaf.ready;
    const log = record(deaf);
    server.inject('refresh', { type: 'delay', ms: 1000 });
    const refreshing = deaf.refresh().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    await leader.logout();
    await vi.advanceTimersByTimeAsync(2000);
    expect(await refreshing).toMatchObject({ reason: 'remote' });
    expect(await shared.storage.getItem(KEY)).toBeNull();
    expect(deaf.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    expect(log.of('session:refresh')).toHaveLength(0);
    await network.idle();
    // Nothing stays valid: with revocation off at the leader, the tab revoked the tokens it obtained itself.
    expect(server.keys('ada').filter((key) => key.revokedAt === null)).toEqual([]);
  });

  it('a tab that missed the logout finds the store empty at its next refresh and ends without posting its token', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const shared = tabs(env, 1, { autoRefresh: false, endpoints: { logout: false } });
    const leader = first(shared.clients);
    await signIn(leader);
    const deaf = shared.open({ channel: false });
    await deaf.ready;
    const log = record(deaf);
    await leader.logout();
    expect(deaf.session.status).toBe('authenticated');
    jump(61_000);
    server.resetCounters();
    await expect(deaf.http.get('api/me').json()).rejects.toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'remote' });
    expect(server.counters.refreshCalls).toBe(0);
    expect(deaf.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
  });

  it('a login in one tab starts the session in the others (source remote)', async () => {
    env.server();
    const { clients } = tabs(env, 3);
    const leader = first(clients);
    await Promise.all(clients.map((c) => c.ready));
    const logs = clients.map(record);
    await signIn(leader);
    await settle();
    expect(clients.map((c) => c.session.status)).toEqual(Array(3).fill('authenticated'));
    for (const log of logs.slice(1)) expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'remote', generation: 1 })]);
  });

  it('broadcasts carry no token', async () => {
    env.server();
    const { clients, hub } = tabs(env, 1);
    const spy = hub.channel();
    const heard: unknown[] = [];
    spy.subscribe((message) => heard.push(message));
    const leader = first(clients);
    await signIn(leader);
    await leader.refresh();
    const tokens = [await leader.getAccessToken()];
    await leader.logout();
    await settle();
    expect(heard.map((m) => (m as { type: string }).type)).toEqual(['session', 'session', 'logout']);
    for (const message of heard) {
      // The session id names the session (random, never derived from a token); a logout also says when.
      const keys = (message as { type: string }).type === 'logout' ? ['at', 'from', 'generation', 'sid', 'type'] : ['from', 'generation', 'sid', 'type'];
      expect(Object.keys(message as object).sort()).toEqual(keys);
      for (const token of tokens) expect(JSON.stringify(message)).not.toContain(String(token));
    }
  });
});
