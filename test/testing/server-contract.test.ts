import { describe, expect, it, vi } from 'vitest';
import { createAuthServer, leeway, type AuthServer } from '../../src/testing';
import { claimsOf, useFakeClock, type AuthBody } from './support';
import { start, loopback, jsonInit, formInit, bearer, loginAt, refreshAt, pairOf, appHeaders, rawExchange } from './contract-support';

describe('both faces answer identically', () => {
  /** Deterministic requests (errors, controls) whose full answer must match byte for byte. */
  async function errorConversation(base: string, server: AuthServer): Promise<unknown[]> {
    const out: unknown[] = [];
    const record = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${base}${path}`, init);
      out.push({ path, status: response.status, headers: appHeaders(response), body: await response.text() });
    };
    const token = (await server.issueTokens('ada')).accessToken;
    await record('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
    await record('/auth/login', jsonInit(['ada', 'lovelace']));
    await record('/auth/login', formInit({ username: 'ada', password: 'lovelace' }));
    await record('/auth/login', jsonInit({ username: 'ada', password: 'wrong' }));
    await record('/auth/login', { method: 'GET' });
    await record('/auth/refresh', jsonInit({}));
    await record('/auth/refresh', jsonInit({ refreshToken: 'unknown' }));
    await record('/auth/keys', { method: 'PUT' });
    await record('/auth/keys');
    await record('/auth/keys', bearer('a.b.c'));
    await record('/api/me');
    await record('/api/me', { headers: { authorization: 'Bearer ' } });
    await record('/api/me', { method: 'POST' });
    await record('/api/admin', bearer(token));
    await record('/api/nope');
    await record('/oauth/token', jsonInit({ grant_type: 'password' }));
    await record('/oauth/token', formInit('grant_type=password&grant_type=password&client_id=tokenflight'));
    await record('/oauth/token', formInit({ grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'evil' }));
    await record('/oauth/token', formInit({ grant_type: 'implicit', client_id: 'tokenflight' }));
    await record('/oauth/revoke', formInit({ token: 'never-issued', token_type_hint: 'refresh_token' }));
    await record('/oauth/revoke', formInit({ token: 'never-issued' }, { authorization: 'Basic !!!' }));
    await record('/__tokenflight/faults', jsonInit({ endpoint: 'refresh', fault: { type: 'status', status: 503, body: 'down', headers: { 'Retry-After': '3' } } }));
    await record('/auth/refresh', jsonInit({ refreshToken: 'x' }));
    await record('/__tokenflight/faults', jsonInit({ endpoint: 'login', fault: { type: 'malformed', kind: 'html' } }));
    await record('/auth/login', jsonInit({}));
    await record('/api/me', { method: 'OPTIONS', headers: { origin: 'http://app.test', 'access-control-request-method': 'GET' } });
    await record('/api/me', { headers: { origin: 'http://app.test' } });
    await record('/__tokenflight/expire', { method: 'POST' });
    await record('/api/me', bearer(token));
    return out;
  }

  it('error, fault and control answers match in status, headers and body', async () => {
    const viaMsw = start();
    const viaSocket = createAuthServer();
    const { url } = await loopback(viaSocket);
    const overMsw = await errorConversation(viaMsw.origin, viaMsw);
    const overSocket = await errorConversation(url, viaSocket);
    expect(overSocket).toEqual(overMsw);
    const { requestsPerToken: _a, ...mswCounters } = viaMsw.counters;
    const { requestsPerToken: _b, ...socketCounters } = viaSocket.counters;
    expect(socketCounters).toEqual(mswCounters);
  });

  it('every token answer carries Cache-Control: no-store on both faces', async () => {
    const viaMsw = start({ rotation: leeway(30) });
    const viaSocket = createAuthServer({ rotation: leeway(30) });
    const { url } = await loopback(viaSocket);
    for (const base of [viaMsw.origin, url]) {
      const login = await fetch(`${base}/auth/login`, jsonInit({ username: 'ada', password: 'lovelace' }));
      expect(login.headers.get('cache-control'), base).toBe('no-store');
      const first = (await login.json()) as AuthBody;
      const rotated = await refreshAt(base, first.refreshToken);
      const replayed = await refreshAt(base, first.refreshToken);
      const oauth = await fetch(`${base}/oauth/token`, formInit({ grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' }));
      const keys = await fetch(`${base}/auth/keys`, jsonInit({ audience: 'svc', lifetime: 60 }, { authorization: `Bearer ${first.accessToken}` }));
      for (const response of [rotated, replayed, oauth, keys]) {
        expect(response.status, base).toBeLessThan(300);
        expect(response.headers.get('cache-control'), `${base} ${response.url}`).toBe('no-store');
      }
      expect(oauth.headers.get('pragma')).toBe('no-cache');
    }
  });
});

describe('hostile requests', () => {
  it('refuses a refresh token sent only in the query string, without rotating it, and counts the leak', async () => {
    const server = start();
    const { refreshToken } = await loginAt(server.origin);
    const viaQuery = await fetch(
      `${server.origin}/oauth/token?grant_type=refresh_token&client_id=tokenflight&refresh_token=${refreshToken}`,
      formInit(''),
    );
    expect(viaQuery.status).toBe(400);
    expect(await viaQuery.json()).toMatchObject({ error: 'invalid_request' });
    const jsonQuery = await fetch(`${server.origin}/auth/refresh?refreshToken=${refreshToken}`, jsonInit({}));
    expect(jsonQuery.status).toBe(400);
    expect(server.keys('ada')).toHaveLength(1);
    expect(server.keys('ada')[0]?.rotatedAt).toBeNull();
    expect(server.counters.refreshTokensSeenInUrl).toBe(2);
  });

  it('counts a refresh token seen anywhere in the URL, including a path segment', async () => {
    const server = start();
    const { accessToken, refreshToken } = await loginAt(server.origin);
    await fetch(`${server.origin}/api/items/${refreshToken}`, bearer(accessToken));
    expect(server.counters.refreshTokensSeenInUrl).toBe(1);
  });

  it('refuses a duplicated refresh_token without consuming either token', async () => {
    const server = start();
    const a = await loginAt(server.origin);
    const b = await loginAt(server.origin);
    const response = await fetch(
      `${server.origin}/oauth/token`,
      formInit(`grant_type=refresh_token&client_id=tokenflight&refresh_token=${a.refreshToken}&refresh_token=${b.refreshToken}`),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(server.keys('ada').every((key) => key.rotatedAt === null && key.revokedAt === null)).toBe(true);
  });

  it('treats empty-valued scope as omitted (RFC 6749 §3.2), not as a request for no scope', async () => {
    const server = start();
    const password = await fetch(
      `${server.origin}/oauth/token`,
      formInit({ grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight', scope: '' }),
    );
    expect(password.status).toBe(200);
    const body = (await password.json()) as { access_token: string; refresh_token: string; scope: string };
    expect(body.scope).toBe('read write');
    expect(claimsOf(body.access_token)['scope']).toBe('read write');
    const refreshed = await fetch(
      `${server.origin}/oauth/token`,
      formInit({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'tokenflight', scope: '' }),
    );
    expect(((await refreshed.json()) as { scope: string }).scope).toBe('read write');
  });

  it('does not accept an access token from the query string (RFC 6750 §2.3 not offered)', async () => {
    const server = start();
    const { accessToken } = await loginAt(server.origin);
    const response = await fetch(`${server.origin}/api/me?access_token=${accessToken}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tokenflight"');
    expect(server.counters.unauthorized).toBe(1);
  });

  it('handles non-ASCII credentials and bytes without a 500 or a dropped socket', async () => {
    const server = createAuthServer({ users: [{ username: 'zoë', password: 'pässwörd✓' }] });
    const { port } = await loopback(server);
    const json = await fetch(`http://127.0.0.1:${port}/auth/login`, jsonInit({ username: 'zoë', password: 'pässwörd✓' }));
    expect(json.status).toBe(200);
    const form = await fetch(
      `http://127.0.0.1:${port}/oauth/token`,
      formInit({ grant_type: 'password', username: 'zoë', password: 'pässwörd✓', client_id: 'tokenflight' }),
    );
    expect(form.status).toBe(200);
    const raw = await rawExchange(
      port,
      Buffer.concat([Buffer.from('GET /api/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '), Buffer.from([0xf6, 0xe9, 0xff]), Buffer.from('\r\n\r\n')]),
    );
    expect(raw).toMatch(/^HTTP\/1\.1 401 /);
    expect(raw).toMatch(/www-authenticate: Bearer error="invalid_token"/i);
  });

  it('answers 405 with Allow for known paths and 404 for unknown ones', async () => {
    const server = start();
    const cases: Array<[string, string, number, string | null]> = [
      ['PUT', '/auth/login', 405, 'POST'],
      ['GET', '/oauth/token', 405, 'POST'],
      ['DELETE', '/auth/keys', 405, 'GET, POST'],
      ['PATCH', '/__tokenflight/faults', 405, 'POST, DELETE'],
      ['GET', '/auth/loginx', 404, null],
      ['GET', '/api/items/1/2', 404, null],
    ];
    for (const [method, path, status, allow] of cases) {
      const response = await fetch(`${server.origin}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });

  it('echoes a 2 MB body byte for byte over the loopback face', async () => {
    const server = createAuthServer();
    const { url } = await loopback(server);
    const { accessToken } = await server.issueTokens('ada');
    const bytes = new Uint8Array(2 * 1024 * 1024).map((_, index) => (index * 31) % 256);
    const echo = await fetch(`${url}/api/echo`, bearer(accessToken, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }));
    expect(echo.status).toBe(200);
    expect(new Uint8Array(await echo.arrayBuffer())).toEqual(bytes);
  });
});

describe('browser use (CORS)', () => {
  it('exposes Retry-After so a cross-origin page can honour it', async () => {
    const server = start();
    server.inject('refresh', { type: 'status', status: 503, headers: { 'Retry-After': '7' } });
    const response = await fetch(`${server.origin}/auth/refresh`, jsonInit({ refreshToken: 'x' }, { origin: 'http://app.test' }));
    expect(response.status).toBe(503);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://app.test');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(',').map((name) => name.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['www-authenticate', 'date', 'retry-after']));
  });

  it('preflights never consume faults nor count as calls', async () => {
    const server = start();
    server.inject('refresh', { type: 'status', status: 500 });
    const preflight = await fetch(`${server.origin}/auth/refresh`, { method: 'OPTIONS', headers: { origin: 'http://app.test', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(server.counters.refreshCalls).toBe(0);
    expect((await fetch(`${server.origin}/auth/refresh`, jsonInit({ refreshToken: 'x' }))).status).toBe(500);
  });
});

describe('rotation semantics', () => {
  it('strict: two concurrent presentations of one token, one wins and the reuse revokes the whole family', async () => {
    const server = start();
    const first = await loginAt(server.origin);
    const [a, b] = await Promise.all([refreshAt(server.origin, first.refreshToken), refreshAt(server.origin, first.refreshToken)]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    const winner = (await (a.status === 200 ? a : b).json()) as AuthBody;
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 1 });
    expect(server.keys('ada')).toHaveLength(2);
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
    expect((await refreshAt(server.origin, winner.refreshToken)).status).toBe(401);
  });

  it('leeway: two concurrent presentations of one token get the same pair and no detection', async () => {
    const server = start({ rotation: leeway(5) });
    const first = await loginAt(server.origin);
    const [a, b] = await Promise.all([refreshAt(server.origin, first.refreshToken), refreshAt(server.origin, first.refreshToken)]);
    expect(await pairOf(a)).toEqual(await pairOf(b));
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.keys('ada')).toHaveLength(2);
  });

  it('leeway: a replay within the window answers with an access token the API still accepts', async () => {
    useFakeClock();
    const server = start({ rotation: leeway(60), accessTokenTtl: 30 });
    const first = await loginAt(server.origin);
    await pairOf(await refreshAt(server.origin, first.refreshToken));
    vi.advanceTimersByTime(40_000);
    const replay = await pairOf(await refreshAt(server.origin, first.refreshToken));
    expect(server.counters.reuseDetections).toBe(0);
    const me = await fetch(`${server.origin}/api/me`, bearer(replay.accessToken));
    expect(me.status).toBe(200);
  });

  it('leeway: a replay after expireAccessTokens() does not hand back an access token that is already rejected', async () => {
    const server = start({ rotation: leeway(60) });
    const first = await loginAt(server.origin);
    await pairOf(await refreshAt(server.origin, first.refreshToken));
    server.expireAccessTokens();
    const replay = await pairOf(await refreshAt(server.origin, first.refreshToken));
    expect((await fetch(`${server.origin}/api/me`, bearer(replay.accessToken))).status).toBe(200);
  });

  it('leeway: the window is measured from the rotation and never extends the family', async () => {
    useFakeClock();
    const server = start({ rotation: leeway(10), refreshKeyLifetime: 15 });
    const first = await loginAt(server.origin);
    vi.advanceTimersByTime(10_000);
    await pairOf(await refreshAt(server.origin, first.refreshToken));
    vi.advanceTimersByTime(5_000);
    // Family expired at 15 s: even a legitimate in-window replay must fail, as plain expiry (no detection).
    const late = await refreshAt(server.origin, first.refreshToken);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error: 'invalid_grant' });
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('off: the family lifetime is never extended by use', async () => {
    useFakeClock();
    const server = start({ rotation: 'off', refreshKeyLifetime: 20 });
    const first = await loginAt(server.origin);
    vi.advanceTimersByTime(19_000);
    await pairOf(await refreshAt(server.origin, first.refreshToken));
    expect(server.keys('ada')[0]?.expiresAt).toBe(Date.now() + 1_000);
    vi.advanceTimersByTime(1_000);
    expect((await refreshAt(server.origin, first.refreshToken)).status).toBe(401);
  });

  it('a revocation that lands while a rotation is being recorded leaves no live key in the family', async () => {
    const server = start();
    const first = await loginAt(server.origin);
    const subtle = globalThis.crypto.subtle;
    const original = subtle.digest.bind(subtle);
    const presented = first.refreshToken;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    let gated = false;
    const spy = vi.spyOn(subtle, 'digest').mockImplementation(async (algorithm, data) => {
      const text = Buffer.from(data as Uint8Array).toString('utf8');
      // The first hash of a new 43-character token is the child being recorded.
      if (!gated && /^[A-Za-z0-9_-]{43}$/.test(text) && text !== presented) {
        gated = true;
        reached();
        await gate;
      }
      return original(algorithm, data as BufferSource);
    });
    const pending = refreshAt(server.origin, presented);
    await atGate;
    const parent = server.keys('ada')[0];
    expect(server.revokeKey(parent?.jti ?? '')).toBe(true);
    release();
    const response = await pending;
    spy.mockRestore();
    expect(gated).toBe(true);
    const body = response.status === 200 ? ((await response.json()) as AuthBody) : undefined;
    expect(server.keys('ada').filter((key) => key.revokedAt === null)).toEqual([]);
    if (body) expect((await refreshAt(server.origin, body.refreshToken)).status).toBe(401);
  });
});
