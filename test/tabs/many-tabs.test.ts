import { describe, expect, it, vi } from 'vitest';
import { asyncStorage, localChannelHub, localLock, webLocks, webStorage, type AuthClient, type StorageAdapter } from '../../src';
import type { AuthServer } from '../../src/testing';
import { jump, record, setup, signIn } from '../client/support';
import { KEY, fakeAsyncStore } from '../storage-client/support';
import { fakeOrigin, laggyOrigin } from '../tabs/fake-window';
import { LOCK_NAME, fakeNavigatorLocks, tabs, trackedFetch } from '../tabs/support';

const env = setup();

/**
 * Runs the fake clock in small steps, letting real I/O (MSW, WebCrypto) keep pace, until `work`
 * settles; fails (instead of hanging) when it has not settled within `maxMs` of fake time.
 */
async function drive<T>(work: Promise<T>, { stepMs = 10, maxMs = 120_000 } = {}): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let elapsed = 0; elapsed <= maxMs && !settled; elapsed += stepMs) {
    await vi.advanceTimersByTimeAsync(stepMs);
    for (let j = 0; j < 3; j++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!settled) throw new Error(`did not settle within ${maxMs} ms of fake time (hang)`);
  return work;
}

/** Lets queued microtasks, immediate I/O and 0 ms timers run, `rounds` times. */
async function idle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await vi.advanceTimersByTimeAsync(0);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const firstOf = (clients: AuthClient[]): AuthClient => {
  const [client] = clients;
  if (!client) throw new Error('no tabs');
  return client;
};

/** Refresh tokens presented to the refresh endpoint, in order, whoever sent them. */
function refreshSpy() {
  const sent: string[] = [];
  const spyFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.url.endsWith('/auth/refresh')) sent.push(((await request.clone().json()) as { refreshToken: string }).refreshToken);
    return fetch(request);
  };
  return { sent, fetch: spyFetch };
}

const storedRefreshToken = async (storage: StorageAdapter): Promise<string | null> => {
  const raw = await storage.getItem(KEY);
  return typeof raw === 'string' ? (JSON.parse(raw) as { refreshToken: string }).refreshToken : null;
};

const expectNoReuse = (server: AuthServer, refreshCalls: number) =>
  expect(server.counters).toMatchObject({ refreshCalls, reuseDetections: 0 });

describe('many tabs, one expiry, one refresh', () => {
  it('40 tabs with visibly expired tokens, 3 requests each at once: 1 refresh, 0 reuse, 0 401s, 120 answers', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients } = tabs(env, 40, { autoRefresh: false, http: { timeout: false } });
    await signIn(firstOf(clients));
    await idle();
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([1]));
    const logs = clients.map(record);
    jump(61_000);
    server.resetCounters();
    const results = await drive(Promise.all(clients.flatMap((c) => [0, 1, 2].map((i) => c.http.get(`api/items/${i}`).json()))));
    expect(results).toHaveLength(120);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 120 });
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
    for (const log of logs) {
      expect(log.of('session:refresh')).toHaveLength(1);
      expect(log.of('session:end')).toHaveLength(0);
    }
  });

  it('40 tabs whose proactive timers fire at the same moment: 1 refresh per expiry, over 3 expiries', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict' });
    const { clients } = tabs(env, 40, { http: { timeout: false } });
    await signIn(firstOf(clients));
    await idle();
    server.resetCounters();
    for (let round = 1; round <= 3; round++) {
      // Due 60 s before expiry; each round's token was received (near) the same moment in every tab.
      await drive(
        Promise.all(clients.map((c) => new Promise<void>((resolve) => c.on('session:refresh', () => resolve())))),
        { stepMs: 1000, maxMs: 700_000 },
      );
      await idle();
      expectNoReuse(server, round);
      expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([round + 1]));
    }
  });

  it('the server expires every access token at once, 30 tabs x 2 requests: 1 refresh, every request replayed and answered', async () => {
    const server = env.server({ accessTokenTtl: 3600, rotation: 'strict' });
    const { clients } = tabs(env, 30, { autoRefresh: false, http: { timeout: false } });
    await signIn(firstOf(clients));
    await idle();
    server.expireAccessTokens();
    server.resetCounters();
    const results = await drive(Promise.all(clients.flatMap((c) => [c.http.get('api/me').json(), c.http.get('api/items/7').json()])));
    expect(results).toHaveLength(60);
    expectNoReuse(server, 1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
  });

  it('tabs opened while a refresh is in flight (they restore the token being rotated) join it: 1 refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const shared = tabs(env, 5, { autoRefresh: false, http: { timeout: false } });
    await signIn(firstOf(shared.clients));
    await idle();
    jump(61_000);
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 2000 });
    const early = shared.clients.map((c) => c.http.get('api/me').json());
    await vi.advanceTimersByTimeAsync(500);
    const late = Array.from({ length: 10 }, () => shared.open({ autoRefresh: false, http: { timeout: false } }));
    await Promise.all(late.map((c) => c.ready));
    expect(late.map((c) => c.session.generation)).toEqual(Array(10).fill(1));
    const lateRequests = late.map((c) => c.http.get('api/me').json());
    const results = await drive(Promise.all([...early, ...lateRequests]));
    expect(results).toHaveLength(15);
    expectNoReuse(server, 1);
    expect(new Set([...shared.clients, ...late].map((c) => c.session.generation))).toEqual(new Set([2]));
  });
});

describe('the lock is slow, dead or lost', () => {
  it('the lock holder\'s refresh call takes 25 s (timeout 30 s, lockTimeout 10 s): waiting tabs never post the token it sent', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const spy = refreshSpy();
    // No request timeout: ky's own 10 s timeout is not what is tested.
    const { clients } = tabs(env, 10, { autoRefresh: false, fetch: spy.fetch, http: { timeout: false } });
    await signIn(firstOf(clients));
    await idle();
    jump(61_000);
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 25_000 });
    const outcomes = await drive(Promise.all(clients.map((c) => c.http.get('api/me').json().then(() => 'ok', (e: unknown) => String((e as { code?: string }).code)))));
    // The holder sent the token once; nobody else may send it again.
    expect(spy.sent.length).toBeGreaterThan(0);
    expect(new Set(spy.sent).size).toBe(spy.sent.length);
    expect(server.counters.reuseDetections).toBe(0);
    expect(outcomes).toEqual(Array(10).fill('ok'));
  });

  it('a dead tab holds the lock forever, 10 tabs need a refresh at once: after lockTimeout exactly one posts the token', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const spy = refreshSpy();
    const shared = tabs(env, 10, { autoRefresh: false, lockTimeout: 3000, fetch: spy.fetch, http: { timeout: false } });
    await signIn(firstOf(shared.clients));
    await idle();
    void shared.lock.run(LOCK_NAME, 60_000, () => new Promise<never>(() => undefined));
    jump(61_000);
    server.resetCounters();
    const outcomes = await drive(Promise.all(shared.clients.map((c) => c.http.get('api/me').json().then(() => 'ok', (e: unknown) => String((e as { code?: string }).code)))));
    expect(new Set(spy.sent).size).toBe(spy.sent.length);
    expect(server.counters.reuseDetections).toBe(0);
    expect(outcomes).toEqual(Array(10).fill('ok'));
  });
});

describe('Web Locks model', () => {
  it('control: the same Web Locks model with no hung holder, 10 tabs expired at once: 1 refresh, 0 reuse', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const locks = fakeNavigatorLocks();
    const hub = localChannelHub();
    const data = new Map<string, string>();
    const storage: StorageAdapter = { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
    const clients = Array.from({ length: 10 }, () => env.client({ storage, lock: webLocks(locks), channel: hub.channel(), autoRefresh: false, http: { timeout: false } }));
    await signIn(firstOf(clients));
    await idle();
    jump(61_000);
    server.resetCounters();
    await drive(Promise.all(clients.map((c) => c.http.get('api/me').json())));
    expectNoReuse(server, 1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
  });

  it('a hung tab holds the Web Lock, 10 tabs need a refresh at once: after lockTimeout the token is still sent once', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const spy = refreshSpy();
    const locks = fakeNavigatorLocks();
    const hub = localChannelHub();
    const data = new Map<string, string>();
    const storage: StorageAdapter = { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
    const clients = Array.from({ length: 10 }, () =>
      env.client({ storage, lock: webLocks(locks), channel: hub.channel(), autoRefresh: false, lockTimeout: 3000, fetch: spy.fetch, http: { timeout: false } }),
    );
    await signIn(firstOf(clients));
    await idle();
    void locks.request(LOCK_NAME, { mode: 'exclusive' }, () => new Promise<never>(() => undefined));
    jump(61_000);
    server.resetCounters();
    const outcomes = await drive(Promise.all(clients.map((c) => c.http.get('api/me').json().then(() => 'ok', (e: unknown) => String((e as { code?: string }).code)))));
    expect(spy.sent.length).toBeGreaterThan(0);
    expect(new Set(spy.sent).size).toBe(spy.sent.length);
    expect(server.counters.reuseDetections).toBe(0);
    expect(outcomes).toEqual(Array(10).fill('ok'));
  });
});

describe('logout and login across tabs', () => {
  it('a tab logs out while a re-read of a slow store (started before the logout) is pending: the stale read never signs it back in', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    // One shared key-value store; each tab reaches it through its own promise-based bridge, and the
    // quitter's bridge answers reads 300 ms late (a busy AsyncStorage-like bridge).
    const data = new Map<string, string>();
    const bridge = (readMs: number): StorageAdapter => ({
      getItem: (key) => new Promise((resolve) => setTimeout(() => resolve(data.get(key) ?? null), readMs)),
      setItem: async (key, value) => void data.set(key, value),
      removeItem: async (key) => void data.delete(key),
    });
    const lock = localLock();
    const hub = localChannelHub();
    const open = (readMs = 0) => env.client({ storage: bridge(readMs), lock, channel: hub.channel(), autoRefresh: false, http: { timeout: false } });
    const leader = open();
    const quitter = open(300);
    await drive(Promise.all([leader.ready, quitter.ready]));
    await signIn(leader);
    await vi.advanceTimersByTimeAsync(400);
    expect(quitter.session.status).toBe('authenticated');
    jump(61_000);
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 1000 });
    // The leader refreshes holding the lock; the quitter's refresh queues behind it.
    const leading = leader.refresh();
    await idle();
    const queued = quitter.refresh().catch((error: unknown) => error);
    await drive(leading);
    // The quitter now holds the lock and is re-reading the store; a tab opened meanwhile restores generation 2.
    const late = open();
    await drive(late.ready);
    expect(late.session.generation).toBe(2);
    const logs = [leader, quitter, late].map(record);
    await drive(quitter.logout());
    await drive(queued);
    await idle();
    expect(data.has(KEY)).toBe(false);
    expect([leader.session.status, quitter.session.status, late.session.status]).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated']);
    for (const log of logs) expect(log.of('session:end')).toHaveLength(1);
    expectNoReuse(server, 1);
  });

  it('a tab that missed one broadcast (generation 1) logs out: a tab opened after the rotation (generation 2) signs out too', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const shared = tabs(env, 1, { autoRefresh: false });
    const leader = firstOf(shared.clients);
    await signIn(leader);
    // The quitter's channel posts, but the one message it should hear (the leader's refresh) is lost.
    const own = shared.hub.channel();
    let deaf = true;
    const quitter = shared.open({
      channel: { post: (m) => own.post(m), subscribe: (fn) => own.subscribe((m) => (deaf ? undefined : fn(m))), close: () => own.close() },
    });
    await quitter.ready;
    jump(61_000);
    server.resetCounters();
    await leader.refresh();
    await idle();
    deaf = false;
    expect([leader.session.generation, quitter.session.generation]).toEqual([2, 1]);
    const late = shared.open({ autoRefresh: false });
    await late.ready;
    expect(late.session.generation).toBe(2);
    const logs = [leader, quitter, late].map(record);
    await quitter.logout();
    await idle();
    expect(await shared.storage.getItem(KEY)).toBeNull();
    expect([leader.session.status, quitter.session.status, late.session.status]).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated']);
    for (const log of logs) expect(log.of('session:end')).toHaveLength(1);
    expectNoReuse(server, 1);
  });

  it('logout in one tab while 20 others are refreshing or queued for the lock: one session:end each, nothing lands, store empty', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const network = trackedFetch();
    const { clients, storage } = tabs(env, 21, { autoRefresh: false, fetch: network.fetch, http: { timeout: false } });
    const leader = firstOf(clients);
    await signIn(leader);
    await idle();
    const logs = clients.map(record);
    jump(61_000);
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 1000 });
    const requests = clients.slice(1).map((c) => c.http.get('api/me').json().then(() => 'ok', (e: unknown) => String((e as { code?: string }).code)));
    await vi.advanceTimersByTimeAsync(300);
    await leader.logout();
    const outcomes = await drive(Promise.all(requests));
    await drive(network.idle());
    await idle();
    expect(outcomes).toEqual(Array(20).fill('TF_SESSION_ENDED'));
    expect(await storage.getItem(KEY)).toBeNull();
    expect(clients.map((c) => c.session.status)).toEqual(Array(21).fill('unauthenticated'));
    for (const log of logs) {
      expect(log.of('session:end')).toHaveLength(1);
      expect(log.of('session:refresh')).toHaveLength(0);
    }
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.keys('ada').filter((key) => key.revokedAt === null)).toEqual([]);
  });

  it('login in one tab while 30 others are signed out: each starts once (remote), then shares one refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients } = tabs(env, 31, { autoRefresh: false, http: { timeout: false } });
    await Promise.all(clients.map((c) => c.ready));
    const logs = clients.map(record);
    await signIn(firstOf(clients));
    await idle();
    expect(clients.map((c) => c.session.status)).toEqual(Array(31).fill('authenticated'));
    for (const log of logs.slice(1)) expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'remote', generation: 1 })]);
    jump(61_000);
    server.resetCounters();
    await drive(Promise.all(clients.map((c) => c.http.get('api/me').json())));
    expectNoReuse(server, 1);
  });

  it('two tabs log in at once as different users: all 10 tabs converge on one user, one generation, the store\'s', async () => {
    const server = env.server({ accessTokenTtl: 600, users: [{ username: 'ada', password: 'lovelace' }, { username: 'bob', password: 'builder' }] });
    const network = trackedFetch();
    const trackedIdle = () => network.idle();
    const { clients, storage } = tabs(env, 10, { autoRefresh: false, fetch: network.fetch, http: { timeout: false } });
    await Promise.all(clients.map((c) => c.ready));
    const [a, b] = clients;
    if (!a || !b) throw new Error('no tabs');
    // The login that loses the race may be refused (the other tab's session was adopted meanwhile).
    const logins = await drive(Promise.allSettled([a.login({ username: 'ada', password: 'lovelace' }), b.login({ username: 'bob', password: 'builder' })]));
    expect(logins.some((l) => l.status === 'fulfilled')).toBe(true);
    // A refused login says why: another login replaced the session it was meant for (not a logout).
    for (const l of logins) if (l.status === 'rejected') expect(l.reason).toMatchObject({ reason: 'replaced' });
    await drive(trackedIdle());
    await idle();
    const raw = JSON.parse(String(await storage.getItem(KEY))) as { generation: number };
    const subs = new Set(clients.map((c) => String(c.session.claims?.['sub'])));
    expect(subs.size).toBe(1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([raw.generation]));
    const who = await drive(Promise.all(clients.map((c) => c.http.get('api/me').json<{ username: string }>())));
    expect(new Set(who.map((w) => w.username)).size).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    // The losing login's tokens do not stay valid at the server.
    const loser = who[0]?.username === 'ada' ? 'bob' : 'ada';
    expect(server.keys(loser).filter((key) => key.revokedAt === null)).toEqual([]);
  });
});

describe('stores that are slow, lagging or only half-connected', () => {
  it('20 tabs on a promise-based store whose writes take 200 ms: 1 refresh, every tab on generation 2', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const data = new Map<string, string>();
    const slowWrites = asyncStorage({
      getItem: async (key) => data.get(key) ?? null,
      setItem: (key, value) => new Promise<void>((resolve) => setTimeout(() => resolve(void data.set(key, value)), 200)),
      removeItem: (key) => new Promise<void>((resolve) => setTimeout(() => resolve(void data.delete(key)), 200)),
    });
    const { clients } = tabs(env, 20, { autoRefresh: false, storage: slowWrites, http: { timeout: false } });
    await drive(signIn(firstOf(clients)));
    await idle();
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([1]));
    jump(61_000);
    server.resetCounters();
    const results = await drive(Promise.all(clients.flatMap((c) => [c.http.get('api/me').json(), c.http.get('api/items/2').json()])));
    expect(results).toHaveLength(40);
    expectNoReuse(server, 1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
  });

  it('20 tabs on the fake async store, proactive timers: 1 refresh per expiry over 2 expiries', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const fake = fakeAsyncStore();
    const { clients } = tabs(env, 20, { storage: asyncStorage(fake.store), http: { timeout: false } });
    await drive(signIn(firstOf(clients)));
    await idle();
    server.resetCounters();
    for (let round = 1; round <= 2; round++) {
      await drive(Promise.all(clients.map((c) => new Promise<void>((resolve) => c.on('session:refresh', () => resolve())))), { stepMs: 1000, maxMs: 400_000 });
      await idle();
      expectNoReuse(server, round);
    }
  });

  it('15 tabs that hear each other only through storage events (no BroadcastChannel), all expired at once: 1 refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const origin = fakeOrigin();
    const lock = localLock();
    const clients = Array.from({ length: 15 }, () => {
      const w = origin.window();
      return env.client({ storage: webStorage(w.storage, { target: w.target }), lock, channel: false, autoRefresh: false, http: { timeout: false } });
    });
    await signIn(firstOf(clients));
    await idle();
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([1]));
    jump(61_000);
    server.resetCounters();
    await drive(Promise.all(clients.map((c) => c.http.get('api/me').json())));
    await idle();
    expectNoReuse(server, 1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
    // Logout in the last tab reaches every other one through the storage event alone.
    const logs = clients.map(record);
    await clients[14]?.logout();
    await idle();
    expect(clients.map((c) => c.session.status)).toEqual(Array(15).fill('unauthenticated'));
    for (const log of logs) expect(log.of('session:end')).toHaveLength(1);
  });

  it('20 tabs in separate processes (writes reach other tabs 30 ms later, broadcasts at once): 1 refresh, 0 reuse', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const origin = laggyOrigin(30);
    const lock = localLock();
    const hub = localChannelHub();
    const clients = Array.from({ length: 20 }, () => env.client({ storage: origin.tab(), lock, channel: hub.channel(), autoRefresh: false, http: { timeout: false } }));
    await signIn(firstOf(clients));
    await drive(Promise.all(clients.map((c) => new Promise<void>((resolve) => (c.session.status === 'authenticated' ? resolve() : c.on('session:start', () => resolve()))))));
    jump(61_000);
    server.resetCounters();
    await drive(Promise.all(clients.flatMap((c) => [c.http.get('api/me').json(), c.http.get('api/items/3').json()])));
    expectNoReuse(server, 1);
    expect(new Set(clients.map((c) => c.session.generation))).toEqual(new Set([2]));
  });

  it('the tab holding the lock is closed (disposed) mid-refresh: its result still lands, the 9 others adopt it, 1 refresh', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const { clients, storage } = tabs(env, 10, { autoRefresh: false, http: { timeout: false } });
    const closing = firstOf(clients);
    await signIn(closing);
    await idle();
    jump(61_000);
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 1000 });
    const doomed = closing.refresh().catch((error: unknown) => error);
    await idle();
    const rest = clients.slice(1);
    const requests = rest.map((c) => c.http.get('api/me').json());
    await vi.advanceTimersByTimeAsync(200);
    closing.dispose();
    expect(await doomed).toMatchObject({ code: 'TF_DISPOSED' });
    const results = await drive(Promise.all(requests));
    expect(results).toHaveLength(9);
    expectNoReuse(server, 1);
    expect(new Set(rest.map((c) => c.session.generation))).toEqual(new Set([2]));
    expect(await storedRefreshToken(storage)).not.toBeNull();
  });
});
