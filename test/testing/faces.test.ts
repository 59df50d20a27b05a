import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer, type AuthServer, type ListeningServer } from '../../src/testing';

// Loopback requests must reach the real socket, so only this file lets unhandled requests through
// (msw 3 names the option onUnhandledFrame).
const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledFrame: 'bypass' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const listening: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(listening.splice(0).map((entry) => entry.close()));
});

async function loopback(server: AuthServer): Promise<string> {
  const entry = await server.listen({ port: 0 });
  listening.push(entry);
  expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return entry.url;
}

function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, shape(entry)]));
  }
  return value === null ? null : typeof value;
}

interface Step {
  status: number;
  body: unknown;
  challenge: string | null;
}

/** The same conversation with either face; returns what a client observes. */
async function script(base: string, server: AuthServer): Promise<Array<Step | 'network-error'>> {
  const steps: Array<Step | 'network-error'> = [];
  const call = async (path: string, init: RequestInit = {}): Promise<Record<string, unknown>> => {
    try {
      const response = await fetch(`${base}${path}`, init);
      const text = await response.text();
      const body = text === '' ? '' : (JSON.parse(text) as Record<string, unknown>);
      steps.push({ status: response.status, body: shape(body), challenge: response.headers.get('www-authenticate') });
      return typeof body === 'object' ? body : {};
    } catch {
      steps.push('network-error');
      return {};
    }
  };
  const json = (body: unknown, token?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const bearer = (token: unknown): RequestInit => ({ headers: { authorization: `Bearer ${String(token)}` } });
  const first = await call('/auth/login', json({ username: 'ada', password: 'lovelace' }));
  await call('/auth/login', json({ username: 'ada', password: 'x' }));
  await call('/api/me', bearer(first['accessToken']));
  await call('/api/me');
  await call('/api/admin', bearer(first['accessToken']));
  const second = await call('/auth/refresh', json({ refreshToken: first['refreshToken'] }));
  await call('/auth/refresh', json({ refreshToken: first['refreshToken'] }));
  await call('/auth/keys', bearer(second['accessToken']));
  const relogin = await call('/auth/login', json({ username: 'ada', password: 'lovelace' }));
  await call('/api/echo', json({ hello: 'world' }, String(relogin['accessToken'])));
  await call('/oauth/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'password', client_id: 'nope' }) });
  await call('/oauth/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'tokenflight', refresh_token: String(relogin['refreshToken']) }) });
  await call('/oauth/revoke', { method: 'POST', body: new URLSearchParams({ token: 'unknown' }) });
  server.inject('refresh', { type: 'network-error' });
  await call('/auth/refresh', json({ refreshToken: relogin['refreshToken'] }));
  server.inject('resource', { type: 'malformed', kind: 'missing-fields' });
  await call('/api/me', bearer(relogin['accessToken']));
  await call('/auth/logout', json({ refreshToken: 'unknown' }));
  await call('/nowhere');
  return steps;
}

describe('both faces', () => {
  it('answer the same scripted conversation identically', async () => {
    const overLoopback = createAuthServer();
    const overMsw = createAuthServer();
    msw.use(...overMsw.handlers);
    const viaLoopback = await script(await loopback(overLoopback), overLoopback);
    const viaMsw = await script(overMsw.origin, overMsw);
    expect(viaLoopback).toEqual(viaMsw);
    expect(viaLoopback.map((step) => (step === 'network-error' ? 0 : step.status))).toEqual([
      200, 401, 200, 401, 403, 200, 401, 200, 200, 200, 401, 200, 200, 0, 200, 204, 404,
    ]);
    const { requestsPerToken: _a, requestsPerBody: _b, ...loopbackCounters } = overLoopback.counters;
    const { requestsPerToken: _c, requestsPerBody: _d, ...mswCounters } = overMsw.counters;
    expect(loopbackCounters).toEqual(mswCounters);
  });

  it('the loopback face passes Set-Cookie, the server Date and echoes bytes', async () => {
    const server = createAuthServer({ cookieMode: true });
    const base = await loopback(server);
    server.setClockOffset(-86_400_000);
    const response = await fetch(`${base}/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'ada', password: 'lovelace' }) });
    expect(response.headers.getSetCookie()[0]).toMatch(/^tf_refresh=.+; HttpOnly; Secure; SameSite=Strict; Path=\/auth; Max-Age=\d+$/);
    expect(Math.abs(Date.parse(response.headers.get('date') ?? '') - (Date.now() - 86_400_000))).toBeLessThan(5_000);
    const { accessToken } = (await response.json()) as { accessToken: string };
    const bytes = new Uint8Array(256).map((_, index) => index);
    const echo = await fetch(`${base}/api/echo`, { method: 'POST', body: bytes, headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'image/png' } });
    expect(echo.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await echo.arrayBuffer())).toEqual(bytes);
  });

  it('answers CORS preflights and decorates responses for browser pages on another port', async () => {
    const server = createAuthServer();
    const base = await loopback(server);
    const origin = 'http://127.0.0.1:5173';
    const preflight = await fetch(`${base}/auth/refresh`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, dpop, idempotency-key, x-request-id');
    const response = await fetch(`${base}/api/me`, { headers: { origin } });
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-expose-headers')).toBe('www-authenticate, date, retry-after, dpop-nonce');
  });

  it('drives the server through the HTTP control endpoints', async () => {
    const server = createAuthServer();
    const base = await loopback(server);
    const post = (path: string, body?: unknown) =>
      fetch(`${base}/__tokenflight/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const { accessToken } = await server.issueTokens('ada');
    await fetch(`${base}/api/me`);
    expect(await (await fetch(`${base}/__tokenflight/counters`)).json()).toMatchObject({ unauthorized: 1, resourceRequests: 1 });
    expect((await post('reset')).status).toBe(204);
    expect(server.counters.unauthorized).toBe(0);
    expect((await post('faults', { endpoint: 'resource', fault: { type: 'status', status: 418 }, times: 1 })).status).toBe(204);
    expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(418);
    expect((await post('faults', { endpoint: 'nowhere', fault: { type: 'network-error' } })).status).toBe(400);
    expect((await post('expire')).status).toBe(204);
    expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    const fresh = await server.issueTokens('ada');
    expect((await post('clock', { offsetMs: 600_000 })).status).toBe(204);
    expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${fresh.accessToken}` } })).status).toBe(401);
  });

  it('a network-error fault destroys the socket on the loopback face', async () => {
    const server = createAuthServer();
    const base = await loopback(server);
    server.inject('login', { type: 'network-error' });
    await expect(fetch(`${base}/auth/login`, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
    expect(server.counters.loginCalls).toBe(1);
  });
});
