// auth.fetch: the rules of auth.http behind fetch's signature, driven directly and through openapi-fetch.
import axios from 'axios';
import { http, HttpResponse } from 'msw';
import createClient from 'openapi-fetch';
import { describe, expect, it } from 'vitest';
import { isSessionEndedError } from '../../src';
import { API, flush, hold, jump, setup, signIn } from './support';

const env = setup();

/** The slice of an openapi-typescript `paths` type that the reference server's resource API answers. */
interface paths {
  '/api/me': {
    get: { parameters: { query?: never }; responses: { 200: { content: { 'application/json': { username: string } } } } };
  };
  '/api/echo': {
    post: {
      parameters: { query?: never };
      requestBody: { content: { 'application/json': { note: string } } };
      responses: { 200: { content: { 'application/json': { note: string } } } };
    };
  };
}

/** Records the Authorization header of every request to `origin` and answers 200 (or `status`). */
function spy(origin: string, status = 200) {
  const seen: Array<string | null> = [];
  env.msw.use(
    http.all(`${origin}/*`, ({ request }) => {
      seen.push(request.headers.get('authorization'));
      return HttpResponse.json({ ok: status === 200 }, { status });
    }),
  );
  return seen;
}

/** Bodies the echo endpoint accepted (answered 200), as the server read them. */
function acceptedEchoes(server: ReturnType<typeof env.server>) {
  const accepted: string[] = [];
  env.msw.use(
    http.post(`${server.origin}/api/echo`, async ({ request }) => {
      const body = await request.clone().text();
      const response = await server.handle(request);
      if (response.ok) accepted.push(body);
      return response;
    }),
  );
  return accepted;
}

const streamOf = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

describe('auth.fetch through openapi-fetch', () => {
  it('login, a GET, a server-side expiry: one refresh, the POST replayed with its body, accepted once', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    const api = createClient<paths>({ baseUrl: server.origin, fetch: auth.fetch });
    await signIn(auth);

    const me = await api.GET('/api/me');
    expect(me.data).toMatchObject({ username: 'ada' });

    const accepted = acceptedEchoes(server);
    server.expireAccessTokens();
    server.resetCounters();
    const echo = await api.POST('/api/echo', { body: { note: 'sent once' } });
    expect(echo.response.status).toBe(200);
    expect(echo.data).toEqual({ note: 'sent once' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(1);
    expect(accepted).toEqual([JSON.stringify({ note: 'sent once' })]);
  });

  it('a visibly expired token is refreshed before the send: the body travels once', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    const api = createClient<paths>({ baseUrl: server.origin, fetch: auth.fetch });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const echoes = await Promise.all(Array.from({ length: 20 }, (_, i) => api.POST('/api/echo', { body: { note: `n${i}` } })));
    expect(echoes.map((e) => e.data?.note)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(0);
    expect(Object.values(server.counters.requestsPerBody)).toEqual(Array.from({ length: 20 }, () => 1));
  });
});

describe('auth.fetch under axios (fetch adapter, env.fetch)', () => {
  it('the token, one refresh after a server-side expiry, the POST replayed with its body', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    const api = axios.create({ baseURL: API, adapter: 'fetch', env: { fetch: auth.fetch } });
    await signIn(auth);
    await expect(api.get<{ username: string }>('api/me')).resolves.toMatchObject({ data: { username: 'ada' } });
    const accepted = acceptedEchoes(server);
    server.expireAccessTokens();
    server.resetCounters();
    const { data } = await api.post<{ note: string }>('api/echo', { note: 'axios' });
    expect(data).toEqual({ note: 'axios' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(accepted).toEqual([JSON.stringify({ note: 'axios' })]);
  });
});

describe('auth.fetch', () => {
  it('resolves a relative URL against baseUrl and keeps the caller init (method, headers)', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const response = await auth.fetch('api/echo', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-trace': '1' }, body: 'hello' });
    expect(response.url).toBe(`${API}api/echo`);
    expect(await response.text()).toBe('hello');
    expect(server.counters.unauthorized).toBe(0);
  });

  it('never sends the token to an untrusted origin, and a 401 from there spends no refresh', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, trustedOrigins: ['https://files.example.com'] });
    await signIn(auth);
    const third = spy('https://third.party', 401);
    const files = spy('https://files.example.com');
    server.resetCounters();
    const refused = await auth.fetch(new URL('https://third.party/data'));
    expect(refused.status).toBe(401);
    await auth.fetch('https://files.example.com/f');
    expect(third).toEqual([null]);
    expect(files[0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('a caller-set Authorization header is left alone: no token, no refresh', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.resetCounters();
    const response = await auth.fetch('api/me', { headers: { authorization: 'Basic YTpi' } });
    expect(response.status).toBe(401);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('a Request object with a body is replayed after a 401 with the same body and the new token', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const accepted = acceptedEchoes(server);
    server.expireAccessTokens();
    server.resetCounters();
    const request = new Request(`${API}api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 1 }) });
    const response = await auth.fetch(request);
    expect(await response.json()).toEqual({ n: 1 });
    expect(server.counters.refreshCalls).toBe(1);
    expect(accepted).toEqual(['{"n":1}']);
    // The caller's Request never held the token.
    expect(request.headers.has('authorization')).toBe(false);
  });

  it('init overrides a Request input, as with fetch', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const response = await auth.fetch(new Request(`${API}api/echo`, { method: 'POST', body: 'old' }), { method: 'POST', body: 'new' });
    expect(await response.text()).toBe('new');
  });

  it('20 concurrent 401s share one refresh; the late ones replay with the newer token (stale 401)', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const texts = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.fetch('api/echo', { method: 'POST', body: `b${i}` }).then((r) => r.text())));
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`));
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a replay that still gets 401 is returned as the Response: one refresh, no loop', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const seen = spy(`${server.origin}/always-401`, 401);
    server.resetCounters();
    const response = await auth.fetch('always-401/x');
    expect(response.status).toBe(401);
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a stream body is not replayed: the 401 comes back as the Response, the session is refreshed for the next call', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const response = await auth.fetch('api/echo', { method: 'POST', body: streamOf('streamed'), duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(server.counters.refreshCalls).toBe(1);
    expect(Object.values(server.counters.requestsPerBody)).toEqual([1]);
    const again = await auth.fetch('api/echo', { method: 'POST', body: streamOf('streamed'), duplex: 'half' } as RequestInit);
    expect(await again.text()).toBe('streamed');
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('an aborted caller rejects with its AbortError and never aborts the shared refresh', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const slow = hold(server, env.msw, '/auth/refresh');
    const controller = new AbortController();
    const aborted = auth.fetch('api/me', { signal: controller.signal }).catch((e: unknown) => e);
    await slow.entered;
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    slow.release();
    await slow.done;
    await flush();
    expect(auth.session.generation).toBe(2);
    expect(server.counters.resourceRequests).toBe(0);
    await expect(auth.fetch('api/me').then((r) => r.json())).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('an already aborted signal rejects before anything is sent', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.resetCounters();
    await expect(auth.fetch('api/me', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.counters.resourceRequests).toBe(0);
  });

  it('a session that ended on the way rejects with the SessionEndedError, once for all waiters', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const ended = new Promise((resolve) => auth.on('session:end', resolve));
    for (const key of server.keys('ada')) server.revokeKey(key.jti);
    server.expireAccessTokens();
    const errors = await Promise.all([auth.fetch('api/me'), auth.fetch('api/items/1')].map((p) => p.catch((e: unknown) => e)));
    expect(errors.every(isSessionEndedError)).toBe(true);
    expect(errors[0]).toBe(errors[1]);
    await expect(ended).resolves.toMatchObject({ reason: expect.any(String) });
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('signed out: the request goes without a token and its 401 is the Response', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    const response = await auth.fetch('api/me');
    expect(response.status).toBe(401);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('an invalid URL rejects like fetch (a TypeError), never throws synchronously', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    let pending: Promise<Response> | undefined;
    expect(() => (pending = auth.fetch('http://[bad'))).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(TypeError);
  });
});
