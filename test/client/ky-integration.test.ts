import { http, HttpResponse } from 'msw';
import { HTTPError, isHTTPError, isNetworkError, isTimeoutError, type Options } from 'ky';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, isRefreshError, isReplayError, isSessionEndedError } from '../../src';
import type { AuthServer } from '../../src/testing';
import { API, flush, hold, setup, signIn } from './support';

const env = setup();

interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  contentType: string | null;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Records every request to `origin` + `path` (any method), then lets the reference server answer it. */
function tap(server: AuthServer, path = '/api/*'): Sent[] {
  const sent: Sent[] = [];
  env.msw.use(
    http.all(`${server.origin}${path}`, async ({ request }) => {
      sent.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
        headers: Object.fromEntries(request.headers),
        body: new Uint8Array(await request.clone().arrayBuffer()),
      });
      return undefined;
    }),
  );
  return sent;
}

/** Drives fake timers and real macrotasks until `promise` settles (ky's retry delays and timeouts are setTimeout). */
async function drive<T>(promise: Promise<T>, stepMs = 100, maxSteps = 400): Promise<T> {
  let settled = false;
  const tracked = promise.then(
    (value) => ((settled = true), value),
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  tracked.catch(() => undefined);
  for (let i = 0; i < maxSteps && !settled; i++) {
    await flush(5);
    if (!settled) await vi.advanceTimersByTimeAsync(stepMs);
  }
  return tracked;
}

const tokenOf = (sent: Sent[]) => sent.map((s) => s.authorization?.replace(/^Bearer /, '') ?? '').filter((t) => t !== '');

/** Everything an error or hook argument could expose, flattened to text. */
function dump(value: unknown, depth = 0): string {
  if (depth > 4 || value === null || value === undefined) return String(value);
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  if (value instanceof Headers) return JSON.stringify([...value]);
  if (value instanceof Request) return `${value.url} ${dump(value.headers, depth + 1)}`;
  if (value instanceof Response) return `${value.url} ${value.status} ${dump(value.headers, depth + 1)}`;
  const parts: string[] = [];
  if (value instanceof Error) parts.push(value.name, value.message, value.stack ?? '', dump((value as { cause?: unknown }).cause, depth + 1));
  for (const key of Reflect.ownKeys(value)) {
    let child: unknown;
    try {
      child = (value as Record<string | symbol, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof child === 'function') continue;
    parts.push(`${String(key)}=${dump(child, depth + 1)}`);
  }
  for (const key of ['request', 'response', 'options', 'data']) {
    if (key in (value as object) && !Object.hasOwn(value, key)) parts.push(`${key}=${dump((value as Record<string, unknown>)[key], depth + 1)}`);
  }
  return parts.join('\n');
}

const bearer401 = () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

async function signedIn(options: Parameters<typeof env.client>[0] = {}, serverOptions: Parameters<typeof env.server>[0] = { accessTokenTtl: 3600 }) {
  const server = env.server(serverOptions);
  // No ky timeout, and a long token-call timeout, unless a test sets them: `drive` advances fake time
  // while the mocked network answers in real time, which a loaded machine slows down.
  const auth = env.client({ autoRefresh: false, timeout: 600_000, ...options, http: { timeout: false, ...options.http } });
  await signIn(auth);
  server.resetCounters();
  return { server, auth };
}

describe('extend()ed children share one refresh and keep their own hooks', () => {
  it('parent, extend({}), extend(fn), nested extend and a child with every hook kind: one refresh, every request answered', async () => {
    const { server, auth } = await signedIn();
    const seen: string[] = [];
    const statuses: number[] = [];
    const hooked = auth.http.extend({
      headers: { 'x-child': 'hooked' },
      hooks: {
        init: [(options) => void seen.push(dump(options))],
        beforeRequest: [({ request, options }) => void seen.push(dump(request), dump(options))],
        afterResponse: [({ request, response, options }) => void (statuses.push(response.status), seen.push(dump(request), dump(options)))],
        beforeRetry: [({ request, options }) => void seen.push(dump(request), dump(options))],
        beforeError: [({ error, request, options }) => (seen.push(dump(error), dump(request), dump(options)), error)],
      },
    });
    const byFunction = auth.http.extend((parent) => ({ prefix: `${String(parent.prefix ?? '')}api/`, baseUrl: API }));
    const nested = hooked.extend({ headers: { 'x-nested': '1' } }).extend({ searchParams: { q: 'x' } });
    server.expireAccessTokens();
    const sent = tap(server);
    const results = await Promise.all([
      auth.http.get('api/me').json<{ username: string }>(),
      auth.http.extend({}).get('api/items/a').json<{ id: string }>(),
      byFunction.get('items/b').json<{ id: string }>(),
      hooked.get('api/items/c').json<{ id: string }>(),
      nested.get('api/items/d').json<{ id: string }>(),
      hooked.post('api/echo', { json: { c: 1 } }).json<{ c: number }>(),
    ]);
    expect(results).toEqual([{ username: 'ada' }, { id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { c: 1 }].map((r) => expect.objectContaining(r)));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    // User afterResponse hooks see the replayed 200s, never the first 401s.
    expect(statuses).toEqual([200, 200, 200]);
    expect(sent.find((s) => s.url.endsWith('/api/items/d?q=x'))?.headers['x-nested']).toBe('1');
    // No hook ever saw a token in ky's request or options.
    const tokens = [...new Set(tokenOf(sent))];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) for (const text of seen) expect(text).not.toContain(token);
  });

  it('extend((parent) => ({ ...parent, ... })) that repeats the auth hooks still refreshes once and replays once', async () => {
    const { server, auth } = await signedIn();
    const child = auth.http.extend((parent) => ({ ...parent, headers: { 'x-copy': '1' } }));
    server.expireAccessTokens();
    const sent = tap(server);
    await expect(child.post('api/echo', { json: { a: 1 } }).json()).resolves.toEqual({ a: 1 });
    expect(server.counters.refreshCalls).toBe(1);
    expect(sent).toHaveLength(2);
  });

  it('a child beforeRequest hook that returns a new Request keeps the token and the replay', async () => {
    const { server, auth } = await signedIn();
    const child = auth.http.extend({
      hooks: { beforeRequest: [({ request }) => new Request(request, { headers: { 'x-rewritten': 'yes', 'content-type': 'application/json' } })] },
    });
    server.expireAccessTokens();
    const sent = tap(server);
    await expect(child.post('api/echo', { json: { r: 1 } }).json()).resolves.toEqual({ r: 1 });
    expect(sent.map((s) => s.headers['x-rewritten'])).toEqual(['yes', 'yes']);
    expect(sent[1]?.authorization).toMatch(/^Bearer /);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a child beforeError hook receives the second 401 as an HTTPError without any token', async () => {
    const { server, auth } = await signedIn();
    env.msw.use(http.get(`${server.origin}/api/locked`, bearer401));
    const sent = tap(server, '/api/locked');
    let hookError: unknown;
    const child = auth.http.extend({ hooks: { beforeError: [({ error }) => ((hookError = error), error)] } });
    const error = await child.get('api/locked').catch((e: unknown) => e);
    expect(isHTTPError(error)).toBe(true);
    expect(hookError).toBe(error);
    expect(sent).toHaveLength(2);
    const text = dump(error);
    for (const token of tokenOf(sent)) expect(text).not.toContain(token);
  });

  it('http.create() is a bare ky instance: no token, no refresh', async () => {
    const { server, auth } = await signedIn();
    const sent = tap(server);
    const bare = auth.http.create({ baseUrl: API });
    await expect(bare.get('api/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(sent.map((s) => s.authorization)).toEqual([null]);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe("ky's own retry combined with a refresh", () => {
  const retry: Options['retry'] = { limit: 2, delay: () => 10 };

  it('GET: 503 then 401: ky retries, the retry refreshes and replays: 3 sends, 1 refresh', async () => {
    const { server, auth } = await signedIn({ http: { retry } });
    const sent = tap(server);
    server.inject('resource', { type: 'status', status: 503 }, 1);
    server.expireAccessTokens();
    await expect(drive(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(sent).toHaveLength(3);
    expect(server.counters.refreshCalls).toBe(1);
    const tokens = tokenOf(sent);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[1]);
  });

  it('GET: 401 then the replay gets 503: ky retries with the refreshed token: 3 sends, 1 refresh', async () => {
    const { server, auth } = await signedIn({ http: { retry } });
    server.expireAccessTokens();
    let calls = 0;
    env.msw.use(
      http.get(`${server.origin}/api/me`, () => {
        calls++;
        return calls === 2 ? new HttpResponse('busy', { status: 503 }) : undefined;
      }),
    );
    const sent = tap(server);
    await expect(drive(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(sent).toHaveLength(3);
    expect(server.counters.refreshCalls).toBe(1);
    const tokens = tokenOf(sent);
    expect(tokens[1]).toBe(tokens[2]);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('retry.statusCodes including 401 never multiplies refreshes: bounded sends, 1 refresh', async () => {
    const { server, auth } = await signedIn({ http: { retry: { limit: 3, statusCodes: [401], delay: () => 10 } } });
    env.msw.use(http.get(`${server.origin}/api/locked`, bearer401));
    const sent = tap(server, '/api/locked');
    const error = await drive(auth.http.get('api/locked')).catch((e: unknown) => e);
    expect(isHTTPError(error)).toBe(true);
    expect(server.counters.refreshCalls).toBe(1);
    // 1 first send + 1 replay + at most `limit` ky retries.
    expect(sent.length).toBeLessThanOrEqual(5);
  });

  it('POST is not retried by ky: a 503 goes to the caller after one send; a 401 then 503 sends the body exactly twice', async () => {
    const { server, auth } = await signedIn();
    let calls = 0;
    env.msw.use(http.post(`${server.origin}/api/echo`, () => (++calls === 3 ? new HttpResponse(null, { status: 503 }) : undefined)));
    const sent = tap(server, '/api/echo');
    server.inject('resource', { type: 'status', status: 503 }, 1);
    await expect(drive(auth.http.post('api/echo', { json: { n: 1 } }))).rejects.toMatchObject({ response: { status: 503 } });
    expect(sent).toHaveLength(1);
    server.expireAccessTokens();
    await expect(drive(auth.http.post('api/echo', { json: { n: 2 } }))).rejects.toMatchObject({ response: { status: 503 } });
    expect(sent.slice(1).map((s) => new TextDecoder().decode(s.body))).toEqual(['{"n":2}', '{"n":2}']);
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('replay of every body kind', () => {
  const file = () => new File([new Uint8Array([0, 1, 2, 255, 254])], 'f.bin', { type: 'application/octet-stream' });
  const bodies: Array<[string, () => Options]> = [
    ['json', () => ({ json: { a: [1, 'two', null] } })],
    ['string', () => ({ body: 'plain ✓ text' })],
    ['URLSearchParams', () => ({ body: new URLSearchParams({ a: '1', b: 'two words' }) })],
    [
      'FormData with a File',
      () => {
        const form = new FormData();
        form.set('field', 'value');
        form.set('file', file());
        return { body: form };
      },
    ],
    ['Blob', () => ({ body: new Blob([new Uint8Array([9, 8, 7])], { type: 'application/x-custom' }) })],
    ['ArrayBuffer', () => ({ body: new Uint8Array([1, 2, 3, 4]).buffer })],
    ['Uint8Array view with an offset', () => ({ body: new Uint8Array([0, 0, 5, 6, 7, 0]).subarray(2, 5) })],
    ['DataView', () => ({ body: new DataView(new Uint8Array([10, 11, 12, 13]).buffer, 1, 2) })],
  ];

  it.each(bodies)('%s: sent exactly twice, identical bytes and content-type, Idempotency-Key unchanged', async (_name, make) => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const response = await auth.http.post('api/echo', { ...make(), headers: { 'idempotency-key': 'idem-1' } });
    const echoed = new Uint8Array(await response.arrayBuffer());
    expect(sent).toHaveLength(2);
    const [first, second] = sent as [Sent, Sent];
    expect(second.contentType).toBe(first.contentType);
    expect([...second.body]).toEqual([...first.body]);
    expect([...echoed]).toEqual([...first.body]);
    expect(first.body.length).toBeGreaterThan(0);
    expect([first.headers['idempotency-key'], second.headers['idempotency-key']]).toEqual(['idem-1', 'idem-1']);
    expect(first.authorization).not.toBe(second.authorization);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it.each(bodies)('%s: caller headers reach the server on the first send (no 401 involved)', async (_name, make) => {
    const { server, auth } = await signedIn();
    const sent = tap(server, '/api/echo');
    await auth.http.post('api/echo', { ...make(), headers: { 'x-tenant': 't-1', 'idempotency-key': 'idem-2' } }).arrayBuffer();
    expect(sent).toHaveLength(1);
    expect([sent[0]?.headers['x-tenant'], sent[0]?.headers['idempotency-key']]).toEqual(['t-1', 'idem-2']);
    expect(sent[0]?.authorization).toMatch(/^Bearer /);
  });

  it('a FormData replay keeps its multipart boundary and parses to the same fields', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const form = new FormData();
    form.set('field', 'value');
    form.set('file', new File(['hello'], 'h.txt', { type: 'text/plain' }));
    await auth.http.post('api/echo', { body: form });
    const boundary = (s: Sent) => /boundary=(\S+)/.exec(s.contentType ?? '')?.[1];
    expect(boundary(sent[1] as Sent)).toBe(boundary(sent[0] as Sent));
    const parsed = await new Response(new Blob([(sent[1] as Sent).body as Uint8Array<ArrayBuffer>]), { headers: { 'content-type': sent[1]?.contentType ?? '' } }).formData();
    expect(parsed.get('field')).toBe('value');
    expect(await (parsed.get('file') as File).text()).toBe('hello');
  });

  it('a stream body: sent once, refused with TF_BODY_NOT_REPLAYABLE, the refresh kept for the next request', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const error = await auth.http.post('api/echo', { body: stream }).catch((e: unknown) => e);
    expect(isReplayError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.BodyNotReplayable, status: 401 });
    await flush();
    expect(sent).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(1);
    await expect(auth.http.post('api/echo', { body: 'again' }).text()).resolves.toBe('again');
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('non-idempotent requests, timeouts and aborts', () => {
  it('a POST that meets a network error is not sent again (no refresh, no replay)', async () => {
    const { server, auth } = await signedIn();
    const sent = tap(server, '/api/echo');
    server.inject('resource', { type: 'network-error' }, 1);
    const error = await drive(auth.http.post('api/echo', { json: { x: 1 } })).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    await drive(Promise.resolve());
    expect(sent).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('a POST whose replay meets a network error: body sent twice, never a third time, no token in the error', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    let calls = 0;
    env.msw.use(http.post(`${server.origin}/api/echo`, () => (++calls === 2 ? HttpResponse.error() : undefined)));
    const sent = tap(server, '/api/echo');
    const error = await drive(auth.http.post('api/echo', { json: { x: 1 } })).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    await drive(Promise.resolve());
    expect(sent).toHaveLength(2);
    const text = dump(error);
    for (const token of tokenOf(sent)) expect(text).not.toContain(token);
  });

  it('ky timeout while a POST waits for the shared refresh after its 401: TimeoutError, the refresh lands, the body is never replayed', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const slow = hold(server, env.msw, '/auth/refresh');
    const pending = auth.http.post('api/echo', { json: { t: 1 }, timeout: 1000 }).catch((e: unknown) => e);
    await slow.entered;
    await vi.advanceTimersByTimeAsync(1000);
    const error = await pending;
    expect(isTimeoutError(error)).toBe(true);
    slow.release();
    await slow.done;
    await flush();
    expect(server.counters.refreshCalls).toBe(1);
    expect(auth.session.generation).toBe(2);
    expect(sent).toHaveLength(1);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a caller aborting while its POST waits for the refresh after a 401 rejects only that caller; no replay of its body', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const slow = hold(server, env.msw, '/auth/refresh');
    const controller = new AbortController();
    const aborted = auth.http.post('api/echo', { json: { who: 'a' }, signal: controller.signal }).catch((e: unknown) => e);
    const other = auth.http.post('api/echo', { json: { who: 'b' } }).json();
    await slow.entered;
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    slow.release();
    await expect(other).resolves.toEqual({ who: 'b' });
    await flush();
    const bodies = sent.map((s) => new TextDecoder().decode(s.body));
    expect(bodies.filter((b) => b.includes('"a"'))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('"b"'))).toHaveLength(2);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('throwHttpErrors: false: a 401 is still replayed; a second 401 is returned, not thrown', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const ok = await auth.http.get('api/me', { throwHttpErrors: false });
    expect(ok.status).toBe(200);
    expect(server.counters.refreshCalls).toBe(1);
    server.resetCounters();
    env.msw.use(http.get(`${server.origin}/api/locked`, bearer401));
    const sent = tap(server, '/api/locked');
    const response = await auth.http.get('api/locked', { throwHttpErrors: false });
    expect(response.status).toBe(401);
    expect(sent).toHaveLength(2);
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('typed errors when the refresh after a 401 fails', () => {
  it.each([
    ['a 503 from the refresh endpoint', { type: 'status', status: 503 } as const, isRefreshError],
    ['invalid_grant', { type: 'oauth-error', error: 'invalid_grant' } as const, isSessionEndedError],
  ])('%s: the caller (and a child beforeError hook) gets a typed error, its body sent once, no token in it', async (_name, fault, guard) => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    server.inject('refresh', fault, 5);
    const hooked: unknown[] = [];
    const child = auth.http.extend({ hooks: { beforeError: [({ error }) => (hooked.push(error), error)] } });
    const error = await drive(child.post('api/echo', { json: { f: 1 } })).catch((e: unknown) => e);
    expect(guard(error)).toBe(true);
    expect(hooked).toEqual([error]);
    expect(sent).toHaveLength(1);
    const text = dump(error);
    for (const token of tokenOf(sent)) expect(text).not.toContain(token);
  });
});

describe('URLs, methods and response handling on the replay', () => {
  it('searchParams, prefix and an absolute URL to the trusted origin survive the replay', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server);
    const child = auth.http.extend({ prefix: 'api', searchParams: { a: '1' } });
    await child.get('items/x', { searchParams: { b: 'two words' } }).json();
    await auth.http.get(`${server.origin}/api/items/y?c=3`).json();
    expect(sent.map((s) => s.url)).toEqual([
      'https://auth.test/api/items/x?a=1&b=two+words',
      'https://auth.test/api/items/x?a=1&b=two+words',
      'https://auth.test/api/items/y?c=3',
    ]);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('an absolute URL to another origin gets no token and its 401 never refreshes', async () => {
    const { server, auth } = await signedIn();
    const seen: Array<string | null> = [];
    env.msw.use(
      http.all('https://other.test/*', ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return bearer401();
      }),
    );
    await expect(auth.http.get('https://other.test/x')).rejects.toBeInstanceOf(HTTPError);
    expect(seen).toEqual([null]);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('credentials and keepalive reach fetch on the first send and on the replay', async () => {
    const seen: Array<[string, RequestCredentials, boolean, string | null]> = [];
    const spy: typeof fetch = async (input, init) => {
      const request = input as Request;
      if (request.url.includes('/api/')) seen.push([request.method, request.credentials, request.keepalive, request.headers.get('authorization')]);
      return globalThis.fetch(input, init);
    };
    const { server, auth } = await signedIn({ fetch: spy });
    server.expireAccessTokens();
    await expect(auth.http.post('api/echo', { body: 'k', credentials: 'include', keepalive: true }).text()).resolves.toBe('k');
    expect(seen.map(([m, c, k]) => [m, c, k])).toEqual([
      ['POST', 'include', true],
      ['POST', 'include', true],
    ]);
    expect(seen[0]?.[3]).not.toBe(seen[1]?.[3]);
  });

  it('onDownloadProgress, parseJson, .text() and .blob() work on replayed responses', async () => {
    const { server, auth } = await signedIn();
    const progress: number[] = [];
    server.expireAccessTokens();
    const parsed = await auth.http.get('api/items/p', { parseJson: (text) => ({ raw: text }), onDownloadProgress: (p) => void progress.push(p.percent) }).json();
    expect(parsed).toEqual({ raw: '{"id":"p"}' });
    expect(progress.at(-1)).toBe(1);
    server.expireAccessTokens();
    await expect(auth.http.post('api/echo', { body: 'txt' }).text()).resolves.toBe('txt');
    server.expireAccessTokens();
    const blob = await auth.http.post('api/echo', { body: new Blob(['b'], { type: 'text/x-b' }) }).blob();
    expect([await blob.text(), blob.type]).toEqual(['b', 'text/x-b']);
    expect(server.counters.refreshCalls).toBe(3);
  });

  it('onUploadProgress: the replay sends the same bytes and progress ends at 100 %', async () => {
    const { server, auth } = await signedIn();
    server.expireAccessTokens();
    const sent = tap(server, '/api/echo');
    const progress: number[] = [];
    const body = 'u'.repeat(100_000);
    await expect(auth.http.post('api/echo', { body, onUploadProgress: (p) => void progress.push(p.percent) }).text()).resolves.toBe(body);
    expect(sent).toHaveLength(2);
    expect(sent.map((s) => s.body.length)).toEqual([100_000, 100_000]);
    expect(progress.at(-1)).toBe(1);
    expect(Math.max(...progress)).toBeLessThanOrEqual(1);
  });

  it("a child's own fetch gets the token and the replay; a child baseUrl on another origin gets neither", async () => {
    const { server, auth } = await signedIn();
    const viaChild: Array<string | null> = [];
    const child = auth.http.extend({
      fetch: async (input, init) => {
        viaChild.push((input as Request).headers.get('authorization'));
        return globalThis.fetch(input, init);
      },
    });
    server.expireAccessTokens();
    await expect(child.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(viaChild).toHaveLength(2);
    expect(viaChild.every((h) => h?.startsWith('Bearer '))).toBe(true);
    expect(viaChild[0]).not.toBe(viaChild[1]);
    const elsewhere: Array<string | null> = [];
    env.msw.use(http.all('https://elsewhere.test/*', ({ request }) => (elsewhere.push(request.headers.get('authorization')), bearer401())));
    await expect(auth.http.extend({ baseUrl: 'https://elsewhere.test/' }).get('api/me')).rejects.toBeInstanceOf(HTTPError);
    expect(elsewhere).toEqual([null]);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it.each(['HEAD', 'OPTIONS', 'DELETE', 'PUT', 'PATCH'])('%s is replayed once after a refresh', async (method) => {
    const { server, auth } = await signedIn();
    const sent: Array<string | null> = [];
    let calls = 0;
    env.msw.use(
      http.all(`${server.origin}/api/any`, ({ request }) => {
        sent.push(request.headers.get('authorization'));
        return ++calls === 1 ? bearer401() : new HttpResponse(null, { status: 204 });
      }),
    );
    const response = await auth.http('api/any', { method });
    expect(response.status).toBe(204);
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toBe(sent[1]);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it("a request's own Basic Authorization header is left alone: no Bearer, no refresh, one send", async () => {
    const { server, auth } = await signedIn();
    const seen: Array<string | null> = [];
    env.msw.use(
      http.get(`${server.origin}/api/basic`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return new HttpResponse(null, { status: 401 });
      }),
    );
    await expect(auth.http.get('api/basic', { headers: { Authorization: 'Basic YTpi' } })).rejects.toMatchObject({ response: { status: 401 } });
    await expect(auth.http.extend({ headers: { authorization: 'Basic YTpi' } }).get('api/basic')).rejects.toMatchObject({ response: { status: 401 } });
    expect(seen).toEqual(['Basic YTpi', 'Basic YTpi']);
    expect(server.counters.refreshCalls).toBe(0);
  });
});
