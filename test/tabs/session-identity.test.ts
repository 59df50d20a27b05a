import { describe, expect, it } from 'vitest';
import { isLoginError, isSessionEndedError, memoryStorage, type AuthClient, type StorageAdapter } from '../../src';
import { flush, hold, jump, record, setup, signIn } from '../client/support';
import { fakeWebStorage } from '../storage-client/support';
import { tabs } from './support';

const env = setup();
const USERS = [
  { username: 'ada', password: 'lovelace' },
  { username: 'bob', password: 'builder' },
];
const asBob = (client: AuthClient) => client.login({ username: 'bob', password: 'builder' });
const KEY = 'tokenflight.session';

/** Who the server says a request was sent as, per request. */
const whoAmI = async (client: AuthClient) => (await client.http.get('api/me').json<{ username: string }>()).username;

async function adopted(client: AuthClient, generation?: number): Promise<void> {
  for (let i = 0; i < 50 && (client.session.status !== 'authenticated' || (generation !== undefined && client.session.generation < generation)); i++) await flush(2);
}

describe('a login in another tab is another session, never a refresh', () => {
  it('refresh in flight: the old session\'s waiting requests get its SessionEndedError, none is sent with the new user\'s token', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict', users: USERS });
    const { clients } = tabs(env, 2, { autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await adopted(b);
    const logB = record(b);
    server.expireAccessTokens();
    const slow = hold(server, env.msw, '/auth/refresh');
    const requests = [0, 1, 2].map(() => b.http.get('api/me').json<{ username: string }>().then((me) => me.username, (error: unknown) => error));
    await slow.entered;
    await asBob(a);
    await flush(10);
    slow.release();
    const outcomes = await Promise.all(requests);
    for (const outcome of outcomes) expect(isSessionEndedError(outcome) && outcome.reason).toBe('replaced');
    // Nothing of ada's was sent with bob's token.
    const bobToken = await a.getAccessToken();
    expect(server.counters.requestsPerToken[String(bobToken)] ?? 0).toBe(0);
    expect(logB.of('session:end')).toEqual([{ reason: 'replaced', origin: 'remote' }]);
    expect(logB.of('session:start')).toEqual([expect.objectContaining({ source: 'remote' })]);
    expect(logB.of('session:refresh')).toEqual([]);
    expect(await whoAmI(b)).toBe('bob');
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('request in flight: its 401 comes back after the switch and is not replayed with the new user\'s token', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict', users: USERS });
    const { clients } = tabs(env, 2, { autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await adopted(b);
    server.expireAccessTokens();
    const slow = hold(server, env.msw, '/api/echo');
    const post = b.http.post('api/echo', { json: { from: 'ada' } }).json().catch((error: unknown) => error);
    await slow.entered;
    await asBob(a);
    await adopted(b, 2);
    server.resetCounters();
    slow.release();
    const outcome = await post;
    expect(isSessionEndedError(outcome) && outcome.reason).toBe('replaced');
    // Only the held request itself reached the API: no replay with bob's token, and no refresh for ada.
    expect(server.counters.resourceRequests).toBe(1);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('idle: the other tab ends its session (replaced, remote) and starts the new one (remote)', async () => {
    env.server({ accessTokenTtl: 600, users: USERS });
    const { clients } = tabs(env, 3, { autoRefresh: false });
    const [a, b, c] = clients as [AuthClient, AuthClient, AuthClient];
    await signIn(a);
    await adopted(b);
    await adopted(c);
    const logs = [b, c].map(record);
    const generation = b.session.generation;
    await asBob(a);
    await flush(20);
    for (const log of logs) {
      expect(log.of('session:end')).toEqual([{ reason: 'replaced', origin: 'remote' }]);
      expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'remote' })]);
      expect(log.of('session:refresh')).toEqual([]);
    }
    expect(b.session.generation).toBeGreaterThan(generation);
    expect(await whoAmI(b)).toBe('bob');
    expect(await whoAmI(c)).toBe('bob');
  });

  it('a stored blob written by 0.1.0 (no session id) is one session for every tab: a refresh in one is a refresh in the others', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const issued = await server.issueTokens('ada');
    const storage: StorageAdapter = memoryStorage();
    const now = Date.now();
    await storage.setItem(KEY, JSON.stringify({ v: 1, accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: now + 600_000, receivedAt: now, generation: 3, scope: null }));
    const { clients } = tabs(env, 2, { autoRefresh: false, storage });
    const [a, b] = clients as [AuthClient, AuthClient];
    await a.ready;
    await b.ready;
    const logB = record(b);
    await a.refresh();
    await flush(20);
    expect(logB.of('session:refresh')).toEqual([expect.objectContaining({ origin: 'remote', generation: 4 })]);
    expect(logB.of('session:end')).toEqual([]);
    const blob = JSON.parse(String(await storage.getItem(KEY))) as { sid?: string };
    expect(blob.sid).toMatch(/^legacy-[0-9a-f]{8}$/);
    expect(JSON.stringify(blob.sid)).not.toContain(issued.refreshToken);
  });
});

describe('generations across tabs', () => {
  it('two tabs signing in one after the other commit different generations; the adopting tab never reports a refresh', async () => {
    env.server({ accessTokenTtl: 600, users: USERS });
    const { clients } = tabs(env, 3, { autoRefresh: false });
    const [a, b, c] = clients as [AuthClient, AuthClient, AuthClient];
    const logC = record(c);
    await signIn(a);
    await asBob(b);
    await flush(20);
    expect(b.session.generation).toBeGreaterThan(a.session.generation === b.session.generation ? 0 : 1);
    const starts = logC.of('session:start').map((s) => s.generation);
    expect(new Set(starts).size).toBe(starts.length);
    expect([...starts].sort((x, y) => x - y)).toEqual(starts);
    expect(logC.of('session:refresh')).toEqual([]);
    expect(await whoAmI(a)).toBe('bob');
    expect(await whoAmI(c)).toBe('bob');
  });
});

describe('logout is final for every tab of the store', () => {
  it('a session whose write failed is ended by another tab\'s logout, and is never written back', async () => {
    const server = env.server({ accessTokenTtl: 2, rotation: 'strict' });
    const { storage, data, failWrites } = fakeWebStorage();
    const { clients } = tabs(env, 2, { storage });
    const [one, two] = clients as [AuthClient, AuthClient];
    // A shared session first (both tabs see its generations), ended; then a login whose write fails.
    await signIn(one);
    await adopted(two);
    await one.refresh();
    await adopted(two, 2);
    await one.logout();
    await flush(10);
    failWrites(true);
    await signIn(one);
    failWrites(false);
    expect(data.has(KEY)).toBe(false);
    const logOne = record(one);
    await two.logout();
    await flush(20);
    expect(one.session.status).toBe('unauthenticated');
    expect(logOne.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    jump(3_000);
    await flush(20);
    expect(data.has(KEY)).toBe(false);
    expect(two.session.status).toBe('unauthenticated');
    server.resetCounters();
    await expect(one.http.get('api/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('an empty store is not a refresh\'s to fill: two logins that failed to write stay apart, nothing switches silently', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict', users: USERS });
    const { storage, data, failWrites } = fakeWebStorage();
    failWrites(true);
    const { clients } = tabs(env, 2, { storage, autoRefresh: false });
    const [zero, one] = clients as [AuthClient, AuthClient];
    await asBob(one);
    await signIn(zero);
    failWrites(false);
    const logZero = record(zero);
    await one.refresh();
    await flush(20);
    // Bob's rotation did not land in the empty store, so ada's tab did not switch to bob with a mere refresh event.
    expect(data.has(KEY)).toBe(false);
    expect(logZero.events).toEqual([]);
    expect(await whoAmI(zero)).toBe('ada');
    expect(await whoAmI(one)).toBe('bob');
    expect(server.counters.reuseDetections).toBe(0);
  });
});

describe('a login is refused only by what came after it began', () => {
  it('one tab: the old session ends with invalid_grant while the user signs in again; the new login stands', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    const slow = hold(server, env.msw, '/auth/login');
    const login = signIn(auth);
    await slow.entered;
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    await expect(auth.refresh()).rejects.toMatchObject({ reason: 'invalid_grant' });
    slow.release();
    await expect(login).resolves.toMatchObject({ status: 'authenticated' });
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'login' })]);
    expect(await whoAmI(auth)).toBe('ada');
  });

  it('two tabs: a slow login in one is not thrown away when the other tab\'s session changes or ends', async () => {
    const server = env.server({ accessTokenTtl: 600, users: USERS });
    const { clients } = tabs(env, 2, { autoRefresh: false });
    const [one, two] = clients as [AuthClient, AuthClient];
    await signIn(one);
    await adopted(two);
    const slow = hold(server, env.msw, '/auth/login');
    const login = asBob(two);
    await slow.entered;
    await one.refresh();
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    jump(1_000);
    await one.refresh().catch(() => undefined);
    await flush(10);
    slow.release();
    await expect(login).resolves.toMatchObject({ status: 'authenticated' });
    await flush(20);
    expect(await whoAmI(two)).toBe('bob');
    expect(await whoAmI(one)).toBe('bob');
  });

  it('a newer login or a logout after it began refuses it with a LoginError that says so, and revokes what it minted', async () => {
    const server = env.server({ accessTokenTtl: 600, users: USERS });
    const auth = env.client({ autoRefresh: false });
    const slow = hold(server, env.msw, '/auth/login');
    const first = signIn(auth).catch((error: unknown) => error);
    await slow.entered;
    const second = asBob(auth);
    slow.release();
    const refused = await first;
    expect(isLoginError(refused) && refused.reason).toBe('superseded');
    await expect(second).resolves.toMatchObject({ status: 'authenticated' });
    expect(await whoAmI(auth)).toBe('bob');
    await flush(20);
    expect(server.keys('ada').filter((k) => k.revokedAt === null)).toHaveLength(0);
  });
});

describe('an ended session\'s token is never sent', () => {
  it('whatever the moment the session ends while a request looks up its token, the request never carries it afterwards', async () => {
    env.server({ accessTokenTtl: 600 });
    let violations = 0;
    let sent = 0;
    let watch: { token: string; ended: boolean } | null = null;
    // The moment fetch is called is the moment a request leaves the client.
    const watched: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      if (request.headers.get('authorization') === `Bearer ${watch?.token}`) {
        sent++;
        if (watch?.ended === true) violations++;
      }
      return fetch(request);
    };
    for (let offset = 0; offset < 40; offset++) {
      const auth = env.client({ autoRefresh: false, http: { fetch: watched } });
      await signIn(auth);
      const current = { token: String(await auth.getAccessToken()), ended: false };
      watch = current;
      auth.on('session:end', () => (current.ended = true));
      const request = auth.http.get('api/me').json().catch((error: unknown) => error);
      for (let i = 0; i < offset; i++) await Promise.resolve();
      await auth.logout();
      await request;
      await flush(5);
    }
    expect(violations).toBe(0);
    // Some requests left before the end: the offsets cover both sides of it.
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(40);
  });
});
