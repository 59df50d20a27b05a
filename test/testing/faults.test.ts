import { describe, expect, it, vi } from 'vitest';
import { leeway } from '../../src/testing';
import { api, login, postForm, refresh, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();

describe('fault injection', () => {
  it('status: answers the given status, body and headers, then recovers', async () => {
    const server = start();
    const { refreshToken } = await login(server);
    server.inject('refresh', { type: 'status', status: 503, body: 'down', headers: { 'Retry-After': '7' } });
    const faulty = await refresh(server, refreshToken);
    expect(faulty.status).toBe(503);
    expect(faulty.headers.get('retry-after')).toBe('7');
    expect(await faulty.text()).toBe('down');
    expect(server.keys('ada')).toHaveLength(1);
    expect((await refresh(server, refreshToken)).status).toBe(200);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('oauth-error: an RFC 6749 error body, 400 by default, 401 with a challenge for invalid_client', async () => {
    const server = start();
    server.inject('token', { type: 'oauth-error', error: 'invalid_grant' });
    server.inject('token', { type: 'oauth-error', error: 'invalid_client' });
    server.inject('token', { type: 'oauth-error', error: 'temporarily_unavailable', status: 503 });
    const params = { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' };
    const first = await postForm(server, '/oauth/token', params);
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: 'invalid_grant' });
    const second = await postForm(server, '/oauth/token', params);
    expect(second.status).toBe(401);
    expect(second.headers.get('www-authenticate')).toMatch(/^Basic/);
    const third = await postForm(server, '/oauth/token', params);
    expect(third.status).toBe(503);
    expect(await third.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await postForm(server, '/oauth/token', params)).status).toBe(200);
  });

  it('delay: waits on the (fake) timer, then handles normally', async () => {
    useFakeClock();
    const server = start();
    server.inject('login', { type: 'delay', ms: 5_000 });
    let settled = false;
    const pending = login(server).then((body) => {
      settled = true;
      return body;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).tokenType).toBe('Bearer');
  });

  it('network-error: the request fails without a response and nothing happens', async () => {
    const server = start();
    const { refreshToken } = await login(server);
    server.inject('refresh', { type: 'network-error' });
    await expect(refresh(server, refreshToken)).rejects.toThrow(TypeError);
    expect(server.keys('ada')[0]?.rotatedAt).toBeNull();
    expect((await refresh(server, refreshToken)).status).toBe(200);
  });

  it('rotate-then-drop: the rotation happens, the client never sees it', async () => {
    const server = start();
    const { refreshToken } = await login(server);
    server.inject('refresh', { type: 'rotate-then-drop' });
    await expect(refresh(server, refreshToken)).rejects.toThrow(TypeError);
    expect(server.keys('ada')).toHaveLength(2);
    expect(server.keys('ada')[0]?.rotatedAt).not.toBeNull();
    expect((await refresh(server, refreshToken)).status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
  });

  it('rotate-then-drop under leeway: a retry with the same token gets the pair that was dropped', async () => {
    const server = start({ rotation: leeway(30) });
    const { refreshToken } = await login(server);
    server.inject('refresh', { type: 'rotate-then-drop' });
    await expect(refresh(server, refreshToken)).rejects.toThrow(TypeError);
    const retry = await refresh(server, refreshToken);
    expect(retry.status).toBe(200);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('malformed: html, garbled JSON, missing fields and empty bodies with status 200', async () => {
    const server = start();
    server.inject('login', { type: 'malformed', kind: 'html' });
    server.inject('login', { type: 'malformed', kind: 'garbled-json' });
    server.inject('login', { type: 'malformed', kind: 'missing-fields' });
    server.inject('login', { type: 'malformed', kind: 'empty' });
    const body = { username: 'ada', password: 'lovelace' };
    const send = () => fetch(`${server.origin}/auth/login`, { method: 'POST', body: JSON.stringify(body) });
    const html = await send();
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const garbled = await send();
    await expect(garbled.json()).rejects.toThrow(SyntaxError);
    const missing = await send();
    expect(await missing.json()).not.toHaveProperty('accessToken');
    const empty = await send();
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
    expect(server.keys()).toHaveLength(0);
  });

  it('consumes faults FIFO, one per call, `times` times, per endpoint', async () => {
    const server = start();
    const { accessToken } = await login(server);
    server.inject('resource', { type: 'status', status: 500 }, 2);
    server.inject('resource', { type: 'status', status: 502 });
    server.inject('login', { type: 'status', status: 429 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(server, '/api/me', accessToken)).status);
    expect(statuses).toEqual([500, 500, 502, 200]);
    expect((await fetch(`${server.origin}/auth/login`, { method: 'POST', body: '{}' })).status).toBe(429);
  });

  it('`times` is a count, not a queue of copies: a billion takes no memory, and clearFaults ends it', async () => {
    const server = start();
    const { accessToken } = await login(server);
    server.inject('resource', { type: 'status', status: 503 }, 1_000_000_000);
    server.inject('resource', { type: 'status', status: 502 });
    for (let i = 0; i < 3; i++) expect((await api(server, '/api/me', accessToken)).status).toBe(503);
    server.clearFaults();
    expect((await api(server, '/api/me', accessToken)).status).toBe(200);
    expect(() => server.inject('resource', { type: 'status', status: 503 }, 2 ** 60)).toThrow(RangeError);
  });

  it('applies keys, logout and revoke faults, and clearFaults drops pending ones', async () => {
    const server = start();
    const { accessToken, refreshToken } = await login(server);
    server.inject('keys', { type: 'status', status: 500 });
    expect((await api(server, '/auth/keys', accessToken)).status).toBe(500);
    server.inject('logout', { type: 'network-error' });
    await expect(fetch(`${server.origin}/auth/logout`, { method: 'POST', body: JSON.stringify({ refreshToken }) })).rejects.toThrow(TypeError);
    server.inject('revoke', { type: 'status', status: 503 });
    expect((await postForm(server, '/oauth/revoke', { token: refreshToken })).status).toBe(503);
    expect(server.keys('ada')[0]?.revokedAt).toBeNull();
    server.inject('resource', { type: 'status', status: 500 }, 3);
    server.clearFaults();
    expect((await api(server, '/api/me', accessToken)).status).toBe(200);
  });

  it('rejects invalid injections', () => {
    const server = start();
    expect(() => server.inject('resource', { type: 'network-error' }, 0)).toThrow(RangeError);
  });
});
