import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isReplayError } from '../../src';
import { jump, setup, signIn } from './support';

const env = setup();

describe('replay', () => {
  it('200 concurrent POSTs with distinct bodies across a refresh: every echo matches, each body received once', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const echoes = await Promise.all(Array.from({ length: 200 }, (_, i) => auth.http.post('api/echo', { json: { i } }).json<{ i: number }>()));
    expect(echoes.map((e) => e.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(server.counters.refreshCalls).toBe(1);
    expect(Object.values(server.counters.requestsPerBody).every((n) => n === 1)).toBe(true);
    expect(Object.keys(server.counters.requestsPerBody)).toHaveLength(200);
  });

  it('200 concurrent POSTs when the server expired the token early: replayed with the same body, every echo matches', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const echoes = await Promise.all(Array.from({ length: 200 }, (_, i) => auth.http.post('api/echo', { json: { i } }).json<{ i: number }>()));
    expect(echoes.map((e) => e.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(server.counters.refreshCalls).toBe(1);
    expect(Math.max(...Object.values(server.counters.requestsPerBody))).toBeLessThanOrEqual(2);
  });

  const bodies: Array<[string, () => BodyInit, string]> = [
    ['text', () => 'plain text body', 'plain text body'],
    ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'two' }), 'a=1&b=two'],
    ['Blob', () => new Blob(['blob body'], { type: 'text/plain' }), 'blob body'],
    ['ArrayBuffer', () => new TextEncoder().encode('buffer body').buffer, 'buffer body'],
  ];
  it.each(bodies)('replays a %s body byte for byte', async (_name, body, expected) => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    const text = await auth.http.post('api/echo', { body: body() }).text();
    expect(text).toBe(expected);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('replays a FormData body with its multipart boundary intact', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    const form = new FormData();
    form.set('field', 'value');
    const response = await auth.http.post('api/echo', { body: form });
    const echoed = await new Response(await response.arrayBuffer(), { headers: { 'content-type': response.headers.get('content-type') ?? '' } }).formData();
    expect(echoed.get('field')).toBe('value');
  });

  it('a stream body is not replayed: the caller gets a ReplayError for the 401', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const error = await auth.http.post('api/echo', { body: stream }).catch((e: unknown) => e);
    expect(isReplayError(error)).toBe(true);
    expect((error as { status: number }).status).toBe(401);
    // The refresh still happened, so the next request goes through.
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a replay that still gets 401 goes to the caller: no loop, one refresh', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(http.get('https://auth.test/api/always-401', () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })));
    server.resetCounters();
    const error = await auth.http.get('api/always-401').catch((e: unknown) => e);
    expect((error as { response?: Response }).response?.status).toBe(401);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('403 insufficient_scope is never a reason to refresh', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.resetCounters();
    const error = await auth.http.get('api/admin').catch((e: unknown) => e);
    expect((error as { response?: Response }).response?.status).toBe(403);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('Idempotency-Key passes through unchanged on the replay', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    const keys: Array<string | null> = [];
    env.msw.use(
      http.post('https://auth.test/api/echo', ({ request }) => {
        keys.push(request.headers.get('idempotency-key'));
      }),
    );
    await auth.http.post('api/echo', { json: { a: 1 }, headers: { 'idempotency-key': 'k-1' } }).json();
    expect(keys).toEqual(['k-1', 'k-1']);
  });
});

describe('a server that refuses fresh tokens', () => {
  it('does not refresh again for every request while its brand-new token is refused', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(http.get('https://auth.test/api/refuses', () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })));
    server.resetCounters();
    for (let i = 0; i < 10; i++) await auth.http.get('api/refuses').catch(() => undefined);
    expect(server.counters.refreshCalls).toBe(1);
    // After the cool-down, one more try.
    vi.setSystemTime(Date.now() + 11_000);
    await auth.http.get('api/refuses').catch(() => undefined);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('a token that worked is still refreshed on the next server-side expiry', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    for (let round = 1; round <= 3; round++) {
      server.expireAccessTokens();
      await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
      expect(server.counters.refreshCalls).toBe(round);
    }
  });
});
