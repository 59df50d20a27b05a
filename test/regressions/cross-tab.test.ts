import { describe, expect, it } from 'vitest';
import { dpop, isLoginError, isRefreshError, isSessionEndedError, memoryKeyStore, memoryStorage, webCryptoKeys, type AuthClient } from '../../src';
import { cookieJar } from '../dialects/support';
import { tabs } from '../tabs/support';
import { advance, flush, hold, jump, record, setup, signIn } from '../client/support';

const env = setup();
const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const SLOW_DOWN = { type: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '30', 'content-type': 'application/json' } } as const;
const DOWN = { type: 'status', status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'content-type': 'application/json' } } as const;

describe('regression: cross-tab backoff', () => {
  it('a refresh already waiting for the lock in another tab is not sent after the holder got Retry-After', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { clients } = tabs(env, 2, { autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await flush(20);
    expect(b.session.status).toBe('authenticated');
    server.inject('refresh', SLOW_DOWN, 1000);
    server.resetCounters();
    jump(61_000);
    // Both tabs need a token at the same moment: A takes the lock, B waits for it.
    const outcomes = await Promise.all([caught(a.http.get('api/me')), caught(b.http.get('api/me'))]);
    for (const outcome of outcomes) expect(isRefreshError(outcome)).toBe(true);
    // The server said "not before 30 s" to the first POST: the second tab must not post at all.
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('three tabs making requests during an outage probe the endpoint at most once per backoff.base between them', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { clients } = tabs(env, 3, { autoRefresh: false });
    await signIn(clients[0] as AuthClient);
    await flush(20);
    server.inject('refresh', DOWN, 100_000);
    server.resetCounters();
    jump(61_000);
    // Five seconds of traffic: every tab makes a request every 250 ms.
    for (let i = 0; i < 20; i++) {
      await Promise.all(clients.map((c) => caught(c.http.get('api/me'))));
      await advance(250);
    }
    // The refresh lock and the shared store serialise the tabs, yet each tab keeps its own probe clock.
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(7);
  });
});

describe('regression: Retry-After and tabs that were not listening yet', () => {
  it('a tab opened during another tab\'s Retry-After does not refresh before it', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const t = tabs(env, 1, { autoRefresh: false });
    const a = t.clients[0] as AuthClient;
    await signIn(a);
    server.inject('refresh', SLOW_DOWN, 1000);
    jump(61_000);
    server.resetCounters();
    expect(isRefreshError(await caught(a.refresh()))).toBe(true);
    expect(server.counters.refreshCalls).toBe(1);
    // The user opens a second tab 5 s later (a reload of the first one is the same).
    jump(5_000);
    const c = t.open();
    await c.ready;
    expect(c.session.status).toBe('authenticated');
    expect(isRefreshError(await caught(c.http.get('api/me')))).toBe(true);
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('regression: cookie mode with a shared store', () => {
  it('two tabs sharing one store and channel reload at once: one cookie refresh, one session, no replaced end', async () => {
    const server = env.server({ cookieMode: true, rotation: 'strict' });
    const jar = cookieJar();
    const first = env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), lock: false, channel: false, autoRefresh: false });
    await signIn(first);
    first.dispose(); // the pages reload: memory is gone, the HttpOnly cookie stays
    server.resetCounters();
    const { clients } = tabs(env, 2, { cookie: true, fetch: jar.fetch, autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    const logs = [a, b].map(record);
    await Promise.all([a.ready, b.ready]);
    await flush(20);
    expect([a.session.status, b.session.status]).toEqual(['authenticated', 'authenticated']);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    for (const log of logs) expect(log.of('session:end')).toEqual([]);
  });
});

describe('regression: a login is refused only by a logout, a newer login or dispose', () => {
  it('cookie mode: refresh() while signed out does not refuse a login in flight', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    const auth = env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), lock: false, channel: false, autoRefresh: false });
    await auth.ready; // no cookie yet: signed out
    expect(auth.session.status).toBe('unauthenticated');
    const slow = hold(server, env.msw, '/auth/login');
    const login = signIn(auth).then(() => 'signed in', (error: unknown) => error);
    await slow.entered;
    // A "try to resume" button, or a retry loop, while the user's login is on the way.
    await caught(auth.refresh());
    slow.release();
    const outcome = await login;
    expect(isLoginError(outcome) ? `LoginError ${String((outcome as { reason?: string }).reason)}` : outcome).toBe('signed in');
    expect(auth.session.status).toBe('authenticated');
  });
});

describe('regression: a request never carries the token of a session its tab already ended', () => {
  it('DPoP: a logout while the proof of a request is being computed does not let the request go out with the ended token', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    let pause: { entered: () => void; gate: Promise<void> } | null = null;
    const sha256 = async (data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> => {
      const p = pause;
      if (p !== null) {
        pause = null;
        p.entered();
        await p.gate;
      }
      return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
    };
    const auth = env.client({ autoRefresh: false, dpop: dpop({ keys: webCryptoKeys({ store: memoryKeyStore() }), sha256 }) });
    await signIn(auth);
    expect(await auth.http.get('api/me').json()).toMatchObject({ username: 'ada' });
    server.resetCounters();
    let release!: () => void;
    let entered!: () => void;
    const inProof = new Promise<void>((resolve) => (entered = resolve));
    pause = { entered, gate: new Promise<void>((resolve) => (release = resolve)) };
    const request = auth.http.get('api/me').json().then(() => 'sent', (error: unknown) => error);
    await inProof; // the request passed its last check and is computing its proof (the access token hash)
    await auth.logout();
    release();
    const outcome = await request;
    expect(isSessionEndedError(outcome) && outcome.reason).toBe('logout');
    expect(server.counters.resourceRequests).toBe(0);
  });
});

describe('regression: a refresh token that got a terminal answer is never sent again by any tab', () => {
  it('two instances started from the same refresh key: after one got invalid_grant for it, the other never sends it', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
    const { clients } = tabs(env, 2, { refreshKey, autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    await Promise.all([a.ready, b.ready]);
    const logB = record(b);
    server.revokeKey(jti);
    server.resetCounters();
    expect(await caught(a.refresh())).toMatchObject({ reason: expect.any(String) });
    expect(a.session.status).toBe('unauthenticated');
    expect(server.counters.refreshCalls).toBe(1);
    // The other instance shares the store, the lock and the channel, and holds the very same key: it
    // heard of the terminal answer before the lock passed on, and its session ended there and then.
    expect(logB.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
    let settled = false;
    const second = caught(b.refresh()).finally(() => (settled = true));
    for (let i = 0; i < 120 && !settled; i++) await advance(1_000);
    // So its refresh() finds no session (as after any end: NotAuthenticatedError), and sends nothing.
    expect(await second).toMatchObject({ code: 'TF_NOT_AUTHENTICATED' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(b.session.status).toBe('unauthenticated');
  });
});

describe('regression: a tab of the previous version refreshing a shared legacy session', () => {
  it('a rotation written without sid (0.1.x layout) is a refresh of the same session here, not another login', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const KEY = 'tokenflight.session';
    const withoutSid = (raw: string): string => {
      const { sid: _sid, ...rest } = JSON.parse(raw) as Record<string, unknown>;
      return JSON.stringify(rest);
    };
    // A session as the previous version stored it (no sid).
    const origin = memoryStorage();
    const first = env.client({ storage: origin, lock: false, channel: false, autoRefresh: false });
    await signIn(first);
    const legacy = withoutSid(String(await origin.getItem(KEY)));
    first.dispose();
    const shared = memoryStorage();
    await shared.setItem(KEY, legacy);
    const t = tabs(env, 1, { storage: shared, autoRefresh: false });
    const a = t.clients[0] as AuthClient;
    await a.ready;
    expect(a.session.status).toBe('authenticated');
    const log = record(a);
    // The old tab rotates the refresh token and writes the 0.1.x layout, then says so on the channel (0.1.0 message).
    const oldTabStore = memoryStorage();
    await oldTabStore.setItem(KEY, legacy);
    const oldTab = env.client({ storage: oldTabStore, lock: false, channel: false, autoRefresh: false });
    await oldTab.refresh();
    const rotated = String(await oldTabStore.getItem(KEY));
    oldTab.dispose();
    await shared.setItem(KEY, withoutSid(rotated));
    t.hub.channel().post({ type: 'session', generation: (JSON.parse(rotated) as { generation: number }).generation, from: 'previous-version-tab' });
    await flush(20);
    expect(log.of('session:end')).toEqual([]);
    expect(log.of('session:refresh')).toEqual([expect.objectContaining({ origin: 'remote' })]);
    expect(server.counters.reuseDetections).toBe(0);
  });
});
