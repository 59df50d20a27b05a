import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { webStorage, type AuthClient, type DebugEntry } from '../../src';
import { withheldNote } from '../../src/diagnostics';
import { normalizeOptions } from '../../src/options';
import { LOCK_NAME, tabs } from '../tabs/support';
import { API, flush, hold, jump, setup, signIn } from './support';

const env = setup();
const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const SLOW_DOWN = { type: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '30', 'content-type': 'application/json' } } as const;
const UNAVAILABLE = { type: 'status', status: 503, body: 'down' } as const;

/** Collects what `debug` receives. */
function collector() {
  const entries: DebugEntry[] = [];
  return { entries, debug: (entry: DebugEntry) => void entries.push(entry), of: <T extends DebugEntry['type']>(type: T) => entries.filter((e): e is Extract<DebugEntry, { type: T }> => e.type === type) };
}

/** A web storage whose reads or writes can be made to fail; `data` shows what is stored. */
function flakyStorage() {
  const data = new Map<string, string>();
  const fail = { reads: false, writes: false };
  const store = {
    getItem: (key: string) => {
      if (fail.reads) throw new Error('SecurityError');
      return data.get(key) ?? null;
    },
    setItem: (key: string, value: string) => {
      if (fail.writes) throw new Error('QuotaExceededError');
      data.set(key, value);
    },
    removeItem: (key: string) => void data.delete(key),
  };
  return { data, fail, adapter: webStorage(store) };
}

/** Every secret a session handed out: the password, and each access and refresh token seen. */
async function secretsOf(client: AuthClient, data?: ReadonlyMap<string, string>): Promise<string[]> {
  const secrets = ['lovelace'];
  const access = await client.getAccessToken().catch(() => null);
  if (access !== null) secrets.push(access);
  for (const value of data?.values() ?? []) {
    const stored = JSON.parse(value) as { refreshToken?: unknown; accessToken?: unknown };
    for (const token of [stored.refreshToken, stored.accessToken]) if (typeof token === 'string') secrets.push(token);
  }
  if (data !== undefined && data.size > 0) expect(secrets.length).toBeGreaterThanOrEqual(3);
  return secrets;
}

function expectRedacted(entries: readonly DebugEntry[], secrets: readonly string[]): void {
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[?&][a-z_]+=/);
    expect(typeof entry.at).toBe('number');
  }
}

describe('debug: token-withheld', () => {
  it('a request to an untrusted origin goes out without the token, and says why (localhost vs 127.0.0.1, scheme, port)', async () => {
    env.server();
    const log = collector();
    const auth = env.client({ trustedOrigins: ['http://127.0.0.1:4000'], debug: log.debug });
    await signIn(auth);
    const seen: Array<string | null> = [];
    env.msw.use(
      http.get('http://localhost:4000/api/me', ({ request }) => (seen.push(request.headers.get('authorization')), HttpResponse.json({ error: 'unauthorized' }, { status: 401 }))),
      http.get('http://auth.test/api/me', ({ request }) => (seen.push(request.headers.get('authorization')), HttpResponse.json({}))),
      http.get('http://elsewhere.test/api/me', ({ request }) => (seen.push(request.headers.get('authorization')), HttpResponse.json({}))),
    );
    const response = await auth.http.get('http://localhost:4000/api/me?api_key=s3cret', { throwHttpErrors: false });
    expect(response.status).toBe(401);
    await auth.fetch('http://auth.test/api/me');
    await auth.http.get('http://elsewhere.test/api/me');
    expect(seen).toEqual([null, null, null]);

    const [loopback, scheme, other] = log.of('token-withheld');
    expect(loopback).toMatchObject({ url: 'http://localhost:4000/api/me', origin: 'http://localhost:4000', trustedOrigins: ['https://auth.test', 'http://127.0.0.1:4000'] });
    expect(loopback?.hint).toContain('localhost, 127.0.0.1 and [::1] are different origins');
    expect(loopback?.hint).toContain('http://127.0.0.1:4000');
    expect(scheme?.hint).toBe('http://auth.test is not the trusted https://auth.test (the scheme or the port differs): use https://auth.test, or add http://auth.test to trustedOrigins.');
    expect(other).toMatchObject({ origin: 'http://elsewhere.test' });
    expect(other?.hint).toBeUndefined();
    expect(log.of('token-withheld')).toHaveLength(3);
    // A trusted origin's request is not reported.
    await auth.http.get('api/me');
    expect(log.of('token-withheld')).toHaveLength(3);
    expectRedacted(log.entries, [...(await secretsOf(auth)), 's3cret']);
  });
});

describe('debug: token-withheld hints', () => {
  it('[::1] vs 127.0.0.1 and a port-only difference are near misses; the query string is never reported', () => {
    const ipv6 = withheldNote('http://[::1]:4000/api/me?code=abc', ['http://auth.test', 'http://127.0.0.1:4000']);
    expect(ipv6).toMatchObject({ url: 'http://[::1]:4000/api/me', origin: 'http://[::1]:4000' });
    expect(ipv6.type === 'token-withheld' && ipv6.hint).toContain('use http://127.0.0.1:4000');
    const port = withheldNote('http://auth.test:8080/x', ['http://auth.test']);
    expect(port.type === 'token-withheld' && port.hint).toContain('the scheme or the port differs');
    expect(JSON.stringify(ipv6)).not.toContain('abc');
  });
});

describe('debug: refresh-start / refresh-join / refresh-skip', () => {
  it('a due token: the first caller starts the refresh, a concurrent one joins it, refresh() starts another', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const log = collector();
    const storage = flakyStorage();
    const auth = env.client({ autoRefresh: false, storage: storage.adapter, lock: false, channel: false, debug: log.debug });
    await signIn(auth);
    jump(61_000);
    const gate = hold(server, env.msw, '/auth/refresh');
    const first = auth.http.get('api/me').json();
    await gate.entered;
    const second = auth.getAccessToken();
    gate.release();
    await Promise.all([first, second]);
    await auth.refresh();
    expect(log.entries.filter((e) => e.type.startsWith('refresh-')).map((e) => [e.type, 'reason' in e ? e.reason : null])).toEqual([
      ['refresh-start', 'request'],
      ['refresh-join', 'request'],
      ['refresh-start', 'manual'],
    ]);
    server.expireAccessTokens();
    await auth.http.get('api/me');
    expect(log.of('refresh-start').at(-1)).toMatchObject({ reason: 'unauthorized' });
    expectRedacted(log.entries, await secretsOf(auth, storage.data));
  });

  it('a server Retry-After: refresh() and a request that needs a token are skipped until it, on every path', async () => {
    const server = env.server({ accessTokenTtl: 20 });
    const log = collector();
    const auth = env.client({ protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false, debug: log.debug });
    await signIn(auth);
    server.inject('token', SLOW_DOWN, 5);
    const start = Date.now();
    expect(await caught(auth.refresh())).toBeDefined();
    expect(await caught(auth.refresh())).toBeDefined();
    jump(24_000);
    expect(await caught(auth.http.get('api/me'))).toBeDefined();
    const skips = log.of('refresh-skip');
    expect(skips.map((s) => [s.cause, s.purpose])).toEqual([
      ['retry-after', 'background'],
      ['retry-after', 'request'],
    ]);
    for (const skip of skips) expect(skip.until).toBe(start + 30_000);
    expectRedacted(log.entries, await secretsOf(auth));
  });

  it('a transient failure without Retry-After: skipped by the client\'s own backoff', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const log = collector();
    const auth = env.client({ autoRefresh: false, debug: log.debug });
    await signIn(auth);
    server.inject('refresh', UNAVAILABLE, 5);
    expect(await caught(auth.refresh())).toBeDefined();
    expect(await caught(auth.refresh())).toBeDefined();
    expect(log.of('refresh-skip')).toEqual([expect.objectContaining({ cause: 'backoff', purpose: 'background', until: expect.any(Number) })]);
    expect(log.of('refresh-skip')[0]?.until).toBeGreaterThan(Date.now());
  });
});

describe('debug: lock-wait / lock-timeout / adopt', () => {
  it('a tab waits for the lock while another refreshes, then adopts its tokens', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const log = collector();
    const shared = tabs(env, 2, { autoRefresh: false });
    const [a, b] = shared.clients;
    if (!a || !b) throw new Error('no tabs');
    const watched = shared.open({ debug: log.debug, autoRefresh: false });
    await signIn(a);
    await flush();
    // The session another tab started is adopted from the store.
    expect(log.of('adopt')).toEqual([expect.objectContaining({ kind: 'other-session', via: 'storage' })]);
    jump(61_000);
    const gate = hold(server, env.msw, '/auth/refresh');
    const first = a.refresh();
    await gate.entered;
    const waiting = watched.refresh();
    await vi.advanceTimersByTimeAsync(100);
    gate.release();
    await Promise.all([first, waiting]);
    expect(server.counters.refreshCalls).toBe(1);
    expect(log.of('lock-wait')).toEqual([expect.objectContaining({ wait: 'lock', waitedMs: 100 })]);
    expect(log.of('adopt').at(-1)).toMatchObject({ kind: 'newer', via: 'refresh', generation: watched.session.generation });
    // A refresh in another tab later: newer tokens adopted from the store.
    await a.refresh();
    await flush();
    expect(log.of('adopt').at(-1)).toMatchObject({ kind: 'newer', via: 'storage', generation: a.session.generation });
    expectRedacted(log.entries, await secretsOf(watched));
  });

  it('a lock held forever by a dead tab: lock-timeout after lockTimeout, then the refresh goes ahead', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const log = collector();
    const shared = tabs(env, 1, { autoRefresh: false, lockTimeout: 5000, debug: log.debug });
    const [auth] = shared.clients;
    if (!auth) throw new Error('no tabs');
    await signIn(auth);
    void shared.lock.run(LOCK_NAME, 60_000, () => new Promise<never>(() => undefined));
    jump(61_000);
    server.resetCounters();
    const request = auth.http.get('api/me').json();
    await vi.advanceTimersByTimeAsync(5000);
    await expect(request).resolves.toMatchObject({ username: 'ada' });
    expect(log.of('lock-timeout')).toEqual([expect.objectContaining({ waitedMs: 5000, timeoutMs: 5000 })]);
    expectRedacted(log.entries, await secretsOf(auth));
  });
});

describe('debug: storage-fallback', () => {
  it('a failed write (the session continues in memory) and a failed read', async () => {
    env.server();
    const log = collector();
    const storage = flakyStorage();
    storage.fail.writes = true;
    const auth = env.client({ storage: storage.adapter, lock: false, channel: false, debug: log.debug });
    await signIn(auth);
    expect(auth.session.status).toBe('authenticated');
    expect(log.of('storage-fallback')).toEqual([expect.objectContaining({ operation: 'write' })]);
    storage.fail.reads = true;
    const reader = env.client({ storage: storage.adapter, lock: false, channel: false, debug: log.debug });
    await reader.ready;
    expect(log.of('storage-fallback').at(-1)).toMatchObject({ operation: 'read' });
    expectRedacted(log.entries, await secretsOf(auth));
  });
});

describe('debug: off, and isolated', () => {
  it('without `debug` nothing is reported and no reporter exists', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    expect(normalizeOptions({ baseUrl: API }).note).toBeNull();
    const log = collector();
    const spy = vi.fn(log.debug);
    const watched = env.client({ debug: spy });
    const auth = env.client({ trustedOrigins: ['http://127.0.0.1:4000'] });
    env.msw.use(http.get('http://localhost:4000/api/me', () => HttpResponse.json({})));
    await signIn(auth);
    await auth.http.get('http://localhost:4000/api/me');
    jump(61_000);
    server.inject('refresh', UNAVAILABLE, 2);
    expect(await caught(auth.refresh())).toBeDefined();
    expect(await caught(auth.refresh())).toBeDefined();
    await watched.ready;
    expect(spy).not.toHaveBeenCalled();
  });

  it('a throwing debug callback never breaks the client', async () => {
    env.server({ accessTokenTtl: 60 });
    const debug = vi.fn(() => {
      throw new Error('debug exploded');
    });
    const onListenerError = vi.fn();
    const auth = env.client({ trustedOrigins: ['http://127.0.0.1:4000'], debug, onListenerError });
    env.msw.use(http.get('http://localhost:4000/api/me', () => HttpResponse.json({ ok: true })));
    await signIn(auth);
    await expect(auth.http.get('http://localhost:4000/api/me').json()).resolves.toEqual({ ok: true });
    jump(61_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await expect(auth.refresh()).resolves.toMatchObject({ status: 'authenticated' });
    expect(debug.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(onListenerError).not.toHaveBeenCalled();
  });
});
