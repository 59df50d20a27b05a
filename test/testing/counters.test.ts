import { describe, expect, it } from 'vitest';
import { api, claimsOf, login, postForm, postJson, refresh, setupAuthMsw } from './support';

const start = setupAuthMsw();

describe('counters', () => {
  it('counts logins and refresh attempts on both endpoints, failed or faulted', async () => {
    const server = start();
    const { refreshToken } = await login(server);
    await postJson(server, '/auth/login', { username: 'ada', password: 'bad' });
    await refresh(server, 'unknown');
    server.inject('refresh', { type: 'status', status: 500 });
    await refresh(server, refreshToken);
    await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'tokenflight' });
    await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' });
    expect(server.counters).toMatchObject({ loginCalls: 3, refreshCalls: 3 });
  });

  it('counts resource requests, requests per access token, 401s and 403s', async () => {
    const server = start();
    const a = await login(server);
    const b = await login(server);
    await api(server, '/api/me', a.accessToken);
    await api(server, '/api/items/1', a.accessToken);
    await api(server, '/api/me', b.accessToken);
    await api(server, '/api/admin', b.accessToken);
    await api(server, '/api/me');
    await api(server, '/api/me', 'junk');
    const counters = server.counters;
    expect(counters.resourceRequests).toBe(6);
    expect(counters.requestsPerToken).toEqual({
      [String(claimsOf(a.accessToken)['jti'])]: 2,
      [String(claimsOf(b.accessToken)['jti'])]: 2,
    });
    expect(counters.unauthorized).toBe(2);
    expect(counters.forbidden).toBe(1);
  });

  it('counts echo bodies by text, and by sha256 for binary bodies', async () => {
    const server = start();
    const { accessToken } = await login(server);
    const post = (body: BodyInit, type: string) => api(server, '/api/echo', accessToken, { method: 'POST', body, headers: { 'content-type': type } });
    await post('{"n":1}', 'application/json');
    await post('{"n":1}', 'application/json');
    await post('a=1&b=2', 'application/x-www-form-urlencoded');
    await post(new Uint8Array([1, 2, 3]), 'application/octet-stream');
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('hex');
    expect(server.counters.requestsPerBody).toEqual({ '{"n":1}': 2, 'a=1&b=2': 1, [`sha256:${hash}`]: 1 });
  });

  it('counts refresh tokens seen in URLs and Bearer headers on token endpoints', async () => {
    const server = start();
    const { accessToken, refreshToken } = await login(server);
    await fetch(`${server.origin}/api/items/1?token=${encodeURIComponent(refreshToken)}`, { headers: { authorization: `Bearer ${accessToken}` } });
    await fetch(`${server.origin}/api/items/1?token=other`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(server.counters.refreshTokensSeenInUrl).toBe(1);
    await postJson(server, '/auth/refresh', { refreshToken }, { authorization: `Bearer ${accessToken}` });
    await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' }, { authorization: `Bearer ${accessToken}` });
    await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace' }, { authorization: `Bearer ${accessToken}` });
    expect(server.counters.bearerOnTokenEndpoint).toBe(3);
  });

  it('counts revocations from logout, RFC 7009 and the admin API', async () => {
    const server = start();
    const one = await login(server);
    const two = await login(server);
    const three = await login(server);
    await postJson(server, '/auth/logout', { refreshToken: one.refreshToken });
    await postForm(server, '/oauth/revoke', { token: two.refreshToken });
    await api(server, `/auth/keys/${server.keys()[2]?.jti ?? ''}`, three.accessToken, { method: 'DELETE' });
    await postJson(server, '/auth/logout', { refreshToken: one.refreshToken });
    expect(server.counters.revocations).toBe(3);
  });

  it('returns fresh snapshots and resets', async () => {
    const server = start();
    const snapshot = server.counters;
    snapshot.requestsPerToken['x'] = 9;
    snapshot.loginCalls = 9;
    expect(server.counters.requestsPerToken).toEqual({});
    expect(server.counters.loginCalls).toBe(0);
    await login(server);
    expect(server.counters.loginCalls).toBe(1);
    server.resetCounters();
    expect(server.counters.loginCalls).toBe(0);
  });
});
