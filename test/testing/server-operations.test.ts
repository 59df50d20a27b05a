import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createAuthServer } from '../../src/testing';
import { claimsOf, useFakeClock } from './support';
import { listening, start, loopback, sha256, jsonInit, formInit, bearer, loginAt, refreshAt, pairOf } from './contract-support';

describe('fault injection and counters', () => {
  it('applies an HTTP-injected fault exactly N times, only to its endpoint', async () => {
    const server = start();
    const { accessToken, refreshToken } = await loginAt(server.origin);
    const add = await fetch(`${server.origin}/__tokenflight/faults`, jsonInit({ endpoint: 'token', fault: { type: 'oauth-error', error: 'temporarily_unavailable', status: 503 }, times: 3 }));
    expect(add.status).toBe(204);
    const grant = () => fetch(`${server.origin}/oauth/token`, formInit({ grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' }));
    expect((await refreshAt(server.origin, refreshToken)).status).toBe(200);
    expect((await fetch(`${server.origin}/api/me`, bearer(accessToken))).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await grant()).status);
    expect(statuses).toEqual([503, 503, 503, 200]);
    expect(server.counters.loginCalls).toBe(5);
  });

  it('refuses an oauth-error fault whose status no response can carry', async () => {
    const server = start();
    for (const status of [99, 204, 600, 1.5]) {
      const add = await fetch(`${server.origin}/__tokenflight/faults`, jsonInit({ endpoint: 'token', fault: { type: 'oauth-error', error: 'x', status } }));
      expect(add.status, String(status)).toBe(400);
    }
    const grant = await fetch(`${server.origin}/oauth/token`, formInit({ grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' }));
    expect(grant.status).toBe(200);
  });

  it('delay: a loopback call waits for the delay, others are not held up', async () => {
    const server = createAuthServer();
    const { url } = await loopback(server);
    server.inject('login', { type: 'delay', ms: 600 });
    const started = performance.now();
    const slow = loginAt(url);
    const fast = await fetch(`${url}/__tokenflight/counters`);
    expect(fast.status).toBe(200);
    // Real time on a loaded machine: the margin is wide, the delay long enough to tell the two apart.
    expect(performance.now() - started).toBeLessThan(600);
    await slow;
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
  });

  it('counters are exact and reset over HTTP, maps included', async () => {
    const server = start();
    const { accessToken, refreshToken } = await loginAt(server.origin);
    const jti = String(claimsOf(accessToken)['jti']);
    for (let i = 0; i < 3; i++) await fetch(`${server.origin}/api/me`, bearer(accessToken));
    await fetch(`${server.origin}/api/echo`, bearer(accessToken, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }));
    server.expireAccessTokens();
    await fetch(`${server.origin}/api/me`, bearer(accessToken));
    const second = await pairOf(await refreshAt(server.origin, refreshToken));
    await refreshAt(server.origin, refreshToken);
    const viaHttp = (await (await fetch(`${server.origin}/__tokenflight/counters`)).json()) as Record<string, unknown>;
    expect(viaHttp).toEqual(server.counters);
    expect(server.counters).toMatchObject({
      loginCalls: 1,
      refreshCalls: 2,
      reuseDetections: 1,
      unauthorized: 1,
      resourceRequests: 5,
      requestsPerToken: { [jti]: 5 },
      requestsPerBody: { x: 1 },
    });
    expect((await fetch(`${server.origin}/__tokenflight/reset`, { method: 'POST' })).status).toBe(204);
    expect(server.counters).toEqual({
      loginCalls: 0,
      refreshCalls: 0,
      reuseDetections: 0,
      unauthorized: 0,
      forbidden: 0,
      revocations: 0,
      resourceRequests: 0,
      requestsPerToken: {},
      requestsPerBody: {},
      refreshTokensSeenInUrl: 0,
      bearerOnTokenEndpoint: 0,
      dpopProofsAccepted: 0,
      dpopProofsRejected: {},
      dpopNonceChallenges: 0,
      dpopJtiReplays: 0,
      authorizations: 0,
      codesExchanged: 0,
      pkceFailures: 0,
      codeReuse: 0,
      endSessions: 0,
    });
    expect((await refreshAt(server.origin, second.refreshToken)).status).toBe(401);
  });

  it('rotate-then-drop over the loopback face: the socket dies after the rotation is recorded', async () => {
    const server = createAuthServer();
    const { url } = await loopback(server);
    const first = await loginAt(url);
    server.inject('refresh', { type: 'rotate-then-drop' });
    await expect(refreshAt(url, first.refreshToken)).rejects.toThrow(TypeError);
    expect(server.keys('ada')).toHaveLength(2);
    expect(server.keys('ada')[1]?.parentJti).toBe(server.keys('ada')[0]?.jti);
  });
});

describe('listen()', () => {
  it('port 0 picks distinct free ports; close() frees the port', async () => {
    const server = createAuthServer();
    const one = await server.listen();
    const two = await server.listen({ port: 0 });
    expect(one.port).toBeGreaterThan(0);
    expect(two.port).not.toBe(one.port);
    expect(one.url).toBe(`http://127.0.0.1:${one.port}`);
    await one.close();
    await two.close();
    const again = await server.listen({ port: one.port });
    listening.push(again);
    expect(again.port).toBe(one.port);
    expect((await fetch(`${again.url}/__tokenflight/counters`)).status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    const server = createAuthServer();
    const first = await loopback(server);
    await expect(createAuthServer().listen({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('close() is idempotent', async () => {
    const entry = await createAuthServer().listen();
    await entry.close();
    await expect(entry.close()).resolves.toBeUndefined();
  });

  it('close() ends idle keep-alive connections promptly', async () => {
    const server = createAuthServer();
    const entry = await server.listen();
    const socket: Socket = connect(entry.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const firstResponse = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
    socket.write('GET /__tokenflight/counters HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    expect(await firstResponse).toMatch(/^HTTP\/1\.1 200 /);
    const startedClose = performance.now();
    await entry.close();
    await closed;
    expect(performance.now() - startedClose).toBeLessThan(1_000);
    // The port is free again.
    const taker = createNetServer();
    await new Promise<void>((resolve, reject) => taker.once('error', reject).listen(entry.port, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => taker.close(() => resolve()));
  });

  it('two servers in one process never share state', async () => {
    const a = start({ origin: 'http://a.test' });
    const b = start({ origin: 'http://b.test', secret: 'same-secret' });
    const c = createAuthServer({ secret: 'same-secret' });
    const tokensA = await loginAt(a.origin);
    const tokensB = await loginAt(b.origin);
    a.inject('resource', { type: 'status', status: 500 }, 5);
    a.expireAccessTokens();
    a.setClockOffset(3_600_000);
    expect((await fetch(`${b.origin}/api/me`, bearer(tokensB.accessToken))).status).toBe(200);
    expect((await refreshAt(b.origin, tokensA.refreshToken)).status).toBe(401);
    expect(b.counters).toMatchObject({ loginCalls: 1, refreshCalls: 1, resourceRequests: 1, unauthorized: 0 });
    expect(a.counters).toMatchObject({ loginCalls: 1, refreshCalls: 0, resourceRequests: 0 });
    expect(a.keys()).toHaveLength(1);
    expect(b.keys()).toHaveLength(1);
    expect(c.keys()).toHaveLength(0);
    // A server with the same secret accepts the JWT signature but knows nothing of the other's refresh keys.
    const { url } = await loopback(c);
    expect((await refreshAt(url, tokensB.refreshToken)).status).toBe(401);
  });
});

describe('RFC 7009 revocation', () => {
  it('ignores a wrong token_type_hint and still revokes the family of a refresh token', async () => {
    const server = start();
    const first = await loginAt(server.origin);
    const second = await pairOf(await refreshAt(server.origin, first.refreshToken));
    const response = await fetch(`${server.origin}/oauth/revoke`, formInit({ token: second.refreshToken, token_type_hint: 'access_token', client_id: 'tokenflight' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
    expect(server.counters.revocations).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('answers 200 for unknown tokens with any hint, and 401 invalid_client for an unknown client', async () => {
    const server = start();
    for (const hint of ['refresh_token', 'access_token', 'something_else']) {
      expect((await fetch(`${server.origin}/oauth/revoke`, formInit({ token: 'never-issued', token_type_hint: hint }))).status).toBe(200);
    }
    const evil = await fetch(`${server.origin}/oauth/revoke`, formInit({ token: 'never-issued', client_id: 'evil' }));
    expect(evil.status).toBe(401);
    expect(evil.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(server.counters.revocations).toBe(0);
  });

  it('revoking an access token leaves its refresh family alone', async () => {
    const server = start();
    const tokens = await loginAt(server.origin);
    await fetch(`${server.origin}/oauth/revoke`, formInit({ token: tokens.accessToken }));
    expect((await fetch(`${server.origin}/api/me`, bearer(tokens.accessToken))).status).toBe(401);
    expect((await refreshAt(server.origin, tokens.refreshToken)).status).toBe(200);
  });
});

describe('key admin API and records', () => {
  it('records deviceInfo (capped), carries it through rotation and lets a refresh update it', async () => {
    const server = start();
    const first = await loginAt(server.origin, { deviceInfo: 'x'.repeat(500) });
    const second = await pairOf(await refreshAt(server.origin, first.refreshToken));
    await pairOf(await refreshAt(server.origin, second.refreshToken, { deviceInfo: 'phone' }));
    expect(server.keys('ada').map((key) => key.deviceInfo)).toEqual(['x'.repeat(200), 'x'.repeat(200), 'phone']);
  });

  it('mints service keys with their own audience and lifetime, stored only as SHA-256 hashes', async () => {
    useFakeClock();
    const server = start({ refreshKeyLifetime: 60 });
    const minted = await server.mintRefreshKey({ username: 'ada', audience: 'reports', lifetime: 7 * 86_400, deviceInfo: 'nightly job' });
    expect(minted.expiresAt).toBe(Date.now() + 7 * 86_400_000);
    const record = server.keys('ada').find((key) => key.jti === minted.jti);
    expect(record).toMatchObject({ audience: 'reports', lifetime: 7 * 86_400, deviceInfo: 'nightly job', tokenHash: sha256(minted.refreshKey) });
    vi.advanceTimersByTime(86_400_000);
    const pair = await pairOf(await refreshAt(server.origin, minted.refreshKey));
    expect(claimsOf(pair.accessToken)['aud']).toBe('reports');
    const dump = JSON.stringify(server.keys());
    for (const token of [minted.refreshKey, pair.refreshToken, pair.accessToken]) expect(dump).not.toContain(token);
    expect(new Set(server.keys('ada').map((key) => key.expiresAt))).toEqual(new Set([minted.expiresAt]));
    await expect(server.mintRefreshKey({ username: 'ada', audience: 'x', lifetime: 0 })).rejects.toThrow(RangeError);
    await expect(server.mintRefreshKey({ username: 'nobody', audience: 'x', lifetime: 10 })).rejects.toThrow(/Unknown user/);
  });

  it('keys() hands out copies: mutating them changes nothing in the server', async () => {
    const server = start();
    const { refreshToken } = await loginAt(server.origin);
    const [copy] = server.keys('ada') as unknown as Array<Record<string, unknown>>;
    if (copy) {
      copy['revokedAt'] = 1;
      (copy['content'] as Record<string, unknown>)['scope'] = 'admin';
    }
    expect(server.keys('ada')[0]).toMatchObject({ revokedAt: null, content: { scope: 'read write' } });
    expect((await refreshAt(server.origin, refreshToken)).status).toBe(200);
  });

  it('revokeKey() on any key of a family revokes it all; a second call reports nothing revoked', async () => {
    const server = start();
    const first = await loginAt(server.origin);
    const second = await pairOf(await refreshAt(server.origin, first.refreshToken));
    const [parent] = server.keys('ada');
    expect(server.revokeKey(parent?.jti ?? '')).toBe(true);
    expect(server.revokeKey(parent?.jti ?? '')).toBe(false);
    expect(server.revokeKey('no-such-jti')).toBe(false);
    expect(server.counters.revocations).toBe(1);
    expect((await refreshAt(server.origin, second.refreshToken)).status).toBe(401);
  });
});
