import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, claimsOf, decodePart, login, postJson, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();

describe('login and resource access', () => {
  it('logs in and reaches the protected API with the access token', async () => {
    const server = start();
    const tokens = await login(server);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 300 });
    expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await api(server, '/api/me', tokens.accessToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: 'ada', username: 'ada', scope: 'read write' });
    const item = await api(server, '/api/items/42', tokens.accessToken);
    expect(await item.json()).toEqual({ id: '42' });
  });

  it('answers JSON with no-store and a Date header', async () => {
    const server = start();
    const response = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' });
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Number.isNaN(Date.parse(response.headers.get('date') ?? ''))).toBe(false);
  });

  it('signs an HS256 JWT with the expected claims', async () => {
    useFakeClock(Date.UTC(2030, 0, 1, 12));
    const server = start({
      secret: 'top-secret',
      accessTokenTtl: 120,
      users: [{ username: 'grace', password: 'hopper', sub: 'u-1', scope: 'read', claims: { org: 'navy' } }],
    });
    const { accessToken } = await login(server, { username: 'grace', password: 'hopper' });
    const [header, payload, signature] = accessToken.split('.');
    expect(decodePart(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const expected = createHmac('sha256', 'top-secret').update(`${header}.${payload}`).digest('base64url');
    expect(signature).toBe(expected);
    const claims = claimsOf(accessToken);
    const iat = Date.UTC(2030, 0, 1, 12) / 1000;
    expect(claims).toMatchObject({ sub: 'u-1', aud: 'tokenflight-api', iat, exp: iat + 120, scope: 'read', org: 'navy' });
    expect(typeof claims['jti']).toBe('string');
    const family = server.keys('grace')[0]?.familyId;
    expect(claims['sid']).toBe(family);
  });

  it('gives every access token a distinct jti', async () => {
    const server = start();
    const a = claimsOf((await login(server)).accessToken);
    const b = claimsOf((await login(server)).accessToken);
    expect(a['jti']).not.toBe(b['jti']);
  });

  it('rejects bad credentials with 401 invalid_grant and malformed bodies with 400', async () => {
    const server = start();
    const wrong = await postJson(server, '/auth/login', { username: 'ada', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
    const unknown = await postJson(server, '/auth/login', { username: 'bob', password: 'lovelace' });
    expect(unknown.status).toBe(401);
    const garbled = await fetch(`${server.origin}/auth/login`, { method: 'POST', body: '{nope' });
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: 'invalid_request' });
    const missing = await postJson(server, '/auth/login', { username: 'ada' });
    expect(missing.status).toBe(400);
  });

  it('records deviceInfo truncated to 200 characters', async () => {
    const server = start();
    await login(server, { deviceInfo: 'x'.repeat(500) });
    expect(server.keys('ada')[0]?.deviceInfo).toBe('x'.repeat(200));
  });

  it('echoes any body byte for byte with its content type', async () => {
    const server = start();
    const { accessToken } = await login(server);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const binary = await api(server, '/api/echo', accessToken, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await binary.arrayBuffer())).toEqual(bytes);

    const form = new FormData();
    form.set('file', new Blob(['hello']), 'a.txt');
    const multipart = await api(server, '/api/echo', accessToken, { method: 'POST', body: form });
    expect(multipart.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    const echoed = await multipart.formData();
    expect(await (echoed.get('file') as File).text()).toBe('hello');

    const text = await api(server, '/api/echo', accessToken, { method: 'POST', body: 'plain' });
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toBe('plain');
  });

  it('answers unknown paths with 404 JSON and wrong methods with 405', async () => {
    const server = start();
    const missing = await fetch(`${server.origin}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const wrongMethod = await fetch(`${server.origin}/auth/login`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('keeps two servers in one process fully independent', async () => {
    const one = start({ origin: 'http://one.test' });
    const two = start({ origin: 'http://two.test' });
    const tokens = await login(one);
    expect((await api(two, '/api/me', tokens.accessToken)).status).toBe(401);
    expect(two.keys()).toEqual([]);
    expect(one.counters.loginCalls).toBe(1);
    expect(two.counters.loginCalls).toBe(0);
  });
});
