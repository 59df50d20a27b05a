/**
 * Hostile inputs: token answers, stored blobs, options, origins, challenges. Each test asserts
 * typed errors (never an untyped crash), that nothing hangs (fake time only, bounded), and that no
 * token reaches an error, event, console line or an origin it does not belong to.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  createAuthClient,
  isConfigError,
  isLoginError,
  isRefreshError,
  isSessionEndedError,
  isTokenflightError,
  webStorage,
  type AuthClient,
  type StorageAdapter,
} from '../../src';
import { caught, expectNoSecrets, issuedTokens, record, settle, setupDialects, signIn, spyConsole } from '../dialects/support';
import { HOSTILE, jwt, pair, scriptedServer } from '../dialects/scripted';

const env = setupDialects();
const KEY = 'tokenflight.session';

/** A shared (web-storage shaped) Map-backed store: a reload is a second client on the same Map. */
function mapStorage() {
  const data = new Map<string, string>();
  const storage = webStorage({ getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) });
  return { data, storage };
}

/** Drives fake time in 10 ms steps (yielding to real I/O between them) until `promise` settles; fails instead of hanging. */
async function bounded<T>(promise: Promise<T>, limitMs = 90_000): Promise<T> {
  let done = false;
  const mark = () => void (done = true);
  promise.then(mark, mark);
  for (let t = 0; !done && t <= limitMs; t += 10) {
    await settle();
    if (!done) await vi.advanceTimersByTimeAsync(10);
  }
  await settle();
  if (!done) throw new Error(`still pending after ${limitMs} ms of fake time`);
  return promise;
}

/** Records every request to an origin other than the two test servers: URL and Authorization header. */
function elsewhere() {
  const seen: Array<{ url: string; authorization: string | null }> = [];
  env.msw.use(
    http.all(/^(?!http:\/\/(?:auth|hostile)\.test\/)https?:\/\//, ({ request }) => {
      seen.push({ url: request.url, authorization: request.headers.get('authorization') });
      return HttpResponse.json({ ok: true });
    }),
  );
  return seen;
}

const hostileClient = (options: Parameters<typeof env.client>[0] = {}) => env.client({ baseUrl: HOSTILE, allowInsecureHttp: true, autoRefresh: false, ...options });

// ---------------------------------------------------------------------------------------------------
describe('hostile token answers', () => {
  it('a scope with a control character (tab) does not end a persisted session at the next refresh, nor on reload', async () => {
    env.server();
    const seen = scriptedServer(env.msw, (n) => pair(n, { scope: 'read\twrite' }));
    const { storage } = mapStorage();
    const auth = hostileClient({ storage, lock: false, channel: false });
    const log = record(auth);
    await signIn(auth);
    const refreshed = await caught(auth.refresh());
    expect(refreshed).toBeUndefined();
    expect(seen.refresh).toBe(1);
    expect(log.of('session:end')).toEqual([]);
    expect(auth.session.status).toBe('authenticated');
    // A reload reads the same store back.
    const reloaded = hostileClient({ storage, lock: false, channel: false });
    const reloadLog = record(reloaded);
    await reloaded.ready;
    expect(reloadLog.of('session:end')).toEqual([]);
    expect(reloaded.session.status).toBe('authenticated');
  });

  it('an OAuth error "code" that echoes the refresh token never reaches an error, event or console line', async () => {
    env.server();
    const consoleSpy = spyConsole();
    // A lowercase-hex opaque refresh token (SHA-style) fits the shape of an OAuth error code.
    const rt = 'a3f9c2e17b4d8a6f0e5c9b2d7a1f3e8c6b4d2a0f';
    scriptedServer(env.msw, (_n, kind) => (kind === 'login' ? pair(1, { refresh_token: rt }) : HttpResponse.json({ error: rt }, { status: 400 })));
    env.msw.use(http.post(`${HOSTILE}auth/logout`, () => HttpResponse.json({ error: rt }, { status: 400 })));
    const auth = hostileClient();
    const log = record(auth);
    await signIn(auth);
    const { revocation } = await auth.logout();
    await bounded(revocation);
    await signIn(auth);
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error)).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    expectNoSecrets([error, log.events, consoleSpy.calls(), auth.session], [rt]);
  });

  const answers: ReadonlyArray<readonly [string, () => Response, 'ok' | 'refused']> = [
    ['JSON with trailing garbage', () => new HttpResponse(`${JSON.stringify(pair(1))}garbage`, { headers: { 'content-type': 'application/json' } }), 'refused'],
    ['an array of answers', () => HttpResponse.json([pair(1)] as unknown as Record<string, unknown>), 'refused'],
    ['JSON null', () => new HttpResponse('null', { headers: { 'content-type': 'application/json' } }), 'refused'],
    ['an empty 200', () => new HttpResponse('', { status: 200 }), 'refused'],
    ['a 204', () => new HttpResponse(null, { status: 204 }), 'refused'],
    ['nested nulls', () => HttpResponse.json({ access_token: null, refresh_token: null, expires_in: null, token_type: null }), 'refused'],
    ['tokens as objects', () => HttpResponse.json({ access_token: { value: 'AbCdEfGh12345678' }, refresh_token: ['x'] }), 'refused'],
    ['a numeric token', () => HttpResponse.json({ access_token: 1234567890123, refresh_token: 'r' }), 'refused'],
    ['__proto__ carrying the tokens', () => new HttpResponse(`{"__proto__":${JSON.stringify(pair(1))}}`, { headers: { 'content-type': 'application/json' } }), 'refused'],
    ['constructor.prototype pollution beside a good answer', () => new HttpResponse(`{"constructor":{"prototype":{"polluted":true,"access_token":"x"}},${JSON.stringify(pair(1)).slice(1)}`, { headers: { 'content-type': 'application/json' } }), 'ok'],
    ['HTML labelled as JSON', () => new HttpResponse('<html>hi</html>', { headers: { 'content-type': 'application/json' } }), 'refused'],
    ['JSON labelled as HTML (content-type lie)', () => new HttpResponse(JSON.stringify(pair(1)), { headers: { 'content-type': 'text/html' } }), 'ok'],
    ['a BOM before the JSON', () => new HttpResponse(`\uFEFF${JSON.stringify(pair(1))}`, { headers: { 'content-type': 'application/json' } }), 'ok'],
    ['100 000 levels of nesting', () => new HttpResponse('['.repeat(100_000) + ']'.repeat(100_000), { headers: { 'content-type': 'application/json' } }), 'refused'],
    ['a 10 MB access token', () => HttpResponse.json(pair(1, { access_token: 'A'.repeat(10 * 1024 * 1024) })), 'refused'],
    ['token_type "Bearer" with a NUL', () => HttpResponse.json(pair(1, { token_type: 'Bearer\u0000' })), 'refused'],
    ['token_type DPoP', () => HttpResponse.json(pair(1, { token_type: 'DPoP' })), 'refused'],
    ['a token with an inner "="', () => HttpResponse.json(pair(1, { access_token: 'abc=def' })), 'refused'],
    ['an unpaired surrogate in the token', () => HttpResponse.json(pair(1, { access_token: 'AbCdEfGh\uD800Ijkl' })), 'refused'],
  ];

  it.each(answers)('login answered with %s: a typed outcome, no pollution, only a clean Bearer on the wire', async (_name, make, expected) => {
    env.server();
    const consoleSpy = spyConsole();
    const seen = scriptedServer(env.msw, () => make());
    const auth = hostileClient();
    const log = record(auth);
    const error = await bounded(caught(signIn(auth)));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['access_token']).toBeUndefined();
    if (expected === 'refused') {
      expect(isLoginError(error)).toBe(true);
      expect(auth.session.status).toBe('unauthenticated');
    } else {
      expect(error).toBeUndefined();
      expect(auth.session.status).toBe('authenticated');
    }
    await bounded(auth.http.get('api/me').json());
    for (const bearer of seen.bearers) expect(bearer).toMatch(expected === 'ok' ? /^Bearer [\x21-\x7e]+$/ : /^$/);
    expectNoSecrets([error, log.events, consoleSpy.calls(), auth.session], [pair(1).access_token, pair(1).refresh_token]);
  });

  it.each(answers.filter(([, , e]) => e === 'refused'))('refresh answered with %s: transient, the session and its token are kept', async (_name, make) => {
    env.server();
    const seen = scriptedServer(env.msw, (n) => (n === 1 ? pair(1) : make()));
    const auth = hostileClient();
    const log = record(auth);
    await signIn(auth);
    const error = await bounded(caught(auth.refresh()));
    expect(isRefreshError(error)).toBe(true);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true }]);
    expect(auth.session.status).toBe('authenticated');
    expect(await auth.getAccessToken()).toBe(pair(1).access_token);
    await auth.http.get('api/me').json();
    expect(seen.bearers).toEqual([`Bearer ${pair(1).access_token}`]);
  });

  it('a JWT whose exp is in milliseconds never extends expires_in, and alone never overflows a timer', async () => {
    env.server();
    const delays: number[] = [];
    const clock = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => (delays.push(ms), setTimeout(fn, ms)), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    const msExp = jwt({ alg: 'HS256' }, { exp: Date.now() + 60_000 });
    scriptedServer(env.msw, (n) => (n === 1 ? pair(1, { access_token: msExp, expires_in: 120 }) : pair(n, { access_token: msExp, expires_in: undefined })));
    const auth = hostileClient({ clock, autoRefresh: true });
    await signIn(auth);
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBe(120_000);
    await bounded(auth.refresh());
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBeLessThanOrEqual(365 * 86_400_000);
    expect(delays.every((ms) => Number.isFinite(ms) && ms >= 0 && ms <= 2 ** 31 - 1)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('hostile stored blobs and storages', () => {
  it('a stored generation at Number.MAX_SAFE_INTEGER is either refused on load or keeps working across refreshes and a reload', async () => {
    env.server();
    const seen = scriptedServer(env.msw, (n) => pair(n));
    const { data, storage } = mapStorage();
    const now = Date.now();
    data.set(KEY, JSON.stringify({ v: 1, accessToken: 'acc-AAAAAAAAAAAA', refreshToken: 'ref-BBBBBBBBBBBB', expiresAt: now + 300_000, receivedAt: now, generation: Number.MAX_SAFE_INTEGER, scope: null }));
    const auth = hostileClient({ storage, lock: false, channel: false });
    const log = record(auth);
    await auth.ready;
    if (auth.session.status === 'unauthenticated') {
      // Refused as untrusted storage: signed out, key removed, one invalid-storage end.
      expect(log.of('session:end')).toEqual([{ reason: 'invalid-storage', origin: 'local' }]);
      expect(data.has(KEY)).toBe(false);
      return;
    }
    expect(await caught(auth.refresh())).toBeUndefined();
    expect(await caught(auth.refresh())).toBeUndefined();
    expect(seen.refresh).toBe(2);
    expect(log.of('session:end')).toEqual([]);
    const reloaded = hostileClient({ storage, lock: false, channel: false });
    await reloaded.ready;
    expect(reloaded.session.status).toBe('authenticated');
  });

  it.each([
    ['getItem', 'ready and login'],
    ['setItem', 'login'],
    ['removeItem', 'logout'],
  ] as const)('a store whose %s never settles: %s still settle (bounded), nothing wedges', async (op, _what) => {
    env.server();
    const data = new Map<string, string>();
    let hang = op === 'getItem';
    const never = () => new Promise<never>(() => undefined);
    const storage: StorageAdapter = {
      getItem: (k) => (hang && op === 'getItem' ? never() : (data.get(k) ?? null)),
      setItem: (k, v) => (hang && op === 'setItem' ? never() : void data.set(k, v)),
      removeItem: (k) => (hang && op === 'removeItem' ? never() : void data.delete(k)),
    };
    const auth = env.client({ storage, lock: false, channel: false, autoRefresh: false });
    await bounded(auth.ready);
    expect(auth.session.status).not.toBe('loading');
    hang = true;
    expect(await bounded(caught(signIn(auth)))).toBeUndefined();
    expect(auth.session.status).toBe('authenticated');
    await bounded(auth.logout());
    expect(auth.session.status).toBe('unauthenticated');
    // The store's queue is not wedged: a later login still completes.
    hang = false;
    await bounded(signIn(auth));
    expect(auth.session.status).toBe('authenticated');
  });

  it.each([
    ['a number', 42],
    ['an object', { accessToken: 'a.b.c' }],
    ['a promise of an object', Promise.resolve({ v: 1 })],
    ['a thenable whose then throws', { then: () => { throw new Error('boom'); } }],
    ['a 5 MB JSON blob', JSON.stringify({ v: 1, accessToken: 'A'.repeat(5_000_000), refreshToken: 'r', expiresAt: 1, receivedAt: 1, generation: 1, scope: null })],
    ['a blob with an expiry centuries away', JSON.stringify({ v: 1, accessToken: 'acc-AAAAAAAAAAAA', refreshToken: 'ref-BBBBBBBBBBBB', expiresAt: 1e15, receivedAt: 1_000, generation: 1, scope: null })],
    ['a blob from far in the future', JSON.stringify({ v: 1, accessToken: 'acc-AAAAAAAAAAAA', refreshToken: 'ref-BBBBBBBBBBBB', expiresAt: 4e12 + 300_000, receivedAt: 4e12, generation: 1, scope: null })],
  ])('a store that returns %s: no throw, a settled ready, a typed state', async (name, value) => {
    env.server();
    let held: unknown = value;
    const storage = { getItem: () => held, setItem: (_k: string, v: string) => void (held = v), removeItem: () => void (held = null) } as unknown as StorageAdapter;
    const auth = env.client({ storage, lock: false, channel: false, autoRefresh: false });
    const log = record(auth);
    await bounded(auth.ready);
    if (name === 'a blob with an expiry centuries away') {
      // Believed up to a year after its receipt, like a server's answer: long expired by now.
      expect(auth.session.expiresAt).toBe(1_000 + 365 * 86_400_000);
      return;
    }
    if (name === 'a blob from far in the future') {
      // Receipt moved to now, lifetime kept: refreshes stay possible.
      expect(auth.session.status).toBe('authenticated');
      expect((auth.session.expiresAt ?? 0) - Date.now()).toBe(300_000);
      return;
    }
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.events.filter((e) => e.type === 'session:end' || e.type === 'session:error')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('hostile options', () => {
  it.each([
    ['a value with CR/LF', { apikey: 'abc\r\nx-injected: 1' }],
    ['a name with a space', { 'api key': 'abc' }],
    ['a non-Latin-1 value', { apikey: 'clé\u2603' }],
  ])('endpointHeaders with %s is a ConfigError at creation, not a failed login every time', (_name, endpointHeaders) => {
    expect(() => createAuthClient({ baseUrl: 'https://auth.test/', endpointHeaders })).toThrow(expect.objectContaining({ code: 'TF_CONFIG' }));
  });

  it('a baseUrl with credentials is a ConfigError, not a crash on every request', async () => {
    env.server();
    let error: unknown;
    let auth: AuthClient | undefined;
    try {
      auth = createAuthClient({ baseUrl: 'http://user:secret@auth.test/', lock: false, channel: false });
    } catch (e) {
      error = e;
    }
    if (auth !== undefined) {
      // Accepted: then requests must at least fail with a typed error, never a raw TypeError.
      const client = auth;
      try {
        error = await caught(client.http.get('api/me'));
      } catch (thrown) {
        error = thrown;
      }
      client.dispose();
    }
    expect(isConfigError(error)).toBe(true);
  });

  const EVIL = [
    'https://files.example.com.evil.test/x',
    'http://files.example.com/x',
    'https://files.example.com:8443/x',
    'https://files.example.com./x',
    'https://evil.test/x?https://files.example.com/',
    'https://evil.test/https://files.example.com/',
    'https://a.example.com/x',
  ];

  it.each([
    ['https://files.example.com', 'https://files.example.com/x'],
    ['https://FILES.Example.COM:443', 'https://files.example.com/x'],
    ['https://files.example.com:443/', 'https://files.example.com/y'],
    ['https://bücher.example', 'https://xn--bcher-kva.example/x'],
    ['https://*.example.com', null],
    ['https://files.example.com@evil.test', null],
    ['https://evil.test#@files.example.com', null],
    ['*', null],
    ['null', null],
    ['file:///etc/passwd', null],
    ['javascript:alert(1)', null],
    ['data:text/plain,files.example.com', null],
    ['blob:https://files.example.com/uuid', null],
  ])('trustedOrigins [%s]: a ConfigError, or the token reaches only that exact origin', async (origin, good) => {
    env.server();
    scriptedServer(env.msw, (n) => pair(n));
    const seen = elsewhere();
    let auth: AuthClient;
    try {
      auth = hostileClient({ trustedOrigins: [origin] });
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
      return;
    }
    await signIn(auth);
    const targets = good === null ? EVIL : [good, ...EVIL];
    for (const url of targets) await bounded(auth.http.get(url).json());
    const withToken = seen.filter((s) => s.authorization !== null).map((s) => s.url);
    expect(withToken).toEqual(good === null ? [] : [good]);
    expect(seen).toHaveLength(targets.length);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('where the access token goes', () => {
  async function signedIn() {
    env.server();
    const scripted = scriptedServer(env.msw, (n) => pair(n));
    const seen = elsewhere();
    const auth = hostileClient();
    await signIn(auth);
    return { auth, seen, scripted };
  }

  it('control: the token does reach the base origin, with an uppercase scheme/host and an explicit default port', async () => {
    const { auth, scripted } = await signedIn();
    await auth.http.get('HTTP://HOSTILE.TEST:80/api/a').json();
    await auth.http.get('api/b').json();
    expect(scripted.bearers).toEqual([`Bearer ${pair(1).access_token}`, `Bearer ${pair(1).access_token}`]);
  });

  it.each([
    ['a protocol-relative URL', (a: AuthClient) => a.http.get('//evil.test/x')],
    ['an absolute URL to another origin', (a: AuthClient) => a.http.get('http://evil.test/x')],
    ['https on the same host', (a: AuthClient) => a.http.get('https://hostile.test/api/x')],
    ['another port on the same host', (a: AuthClient) => a.http.get('http://hostile.test:8080/api/x')],
    ['a trailing-dot host', (a: AuthClient) => a.http.get('http://hostile.test./api/x')],
    ['extend({ baseUrl: other })', (a: AuthClient) => a.http.extend({ baseUrl: 'http://evil.test/' }).get('api/me')],
    ['extend({ prefix: other origin })', (a: AuthClient) => a.http.extend({ prefix: 'http://evil.test/' }).get('api/me')],
    ['a beforeRequest hook that swaps the URL', (a: AuthClient) =>
      a.http.extend({ hooks: { beforeRequest: [({ request }) => new Request('http://evil.test/swapped', request)] } }).get('api/me')],
    ['a beforeRetry hook that swaps the URL', (a: AuthClient) =>
      a.http
        .extend({
          retry: { limit: 1, delay: () => 0 },
          hooks: { beforeRetry: [({ request }) => new Request('http://evil.test/retried', request)] },
        })
        .get('api/first'),
    ],
  ])('%s never carries the token', async (_name, send) => {
    const { auth, seen } = await signedIn();
    env.msw.use(http.get(`${HOSTILE}api/first`, () => new HttpResponse(null, { status: 503 })));
    await bounded(caught(send(auth)));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((s) => s.authorization)).toEqual(seen.map(() => null));
  });

  it('a trusted origin redirecting to another origin that answers 401 does not make the client spend its refresh token', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const third: Array<string | null> = [];
    env.msw.use(
      http.get('https://auth.test/api/go', () => new HttpResponse(null, { status: 302, headers: { location: 'https://third.party/401' } })),
      http.get('https://third.party/401', ({ request }) => {
        third.push(request.headers.get('authorization'));
        return new HttpResponse(null, { status: 401 });
      }),
    );
    server.resetCounters();
    const error = await bounded(caught(auth.http.get('api/go')));
    expect(error).toMatchObject({ response: { status: 401 } });
    expect(third.every((a) => a === null)).toBe(true);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('hostile WWW-Authenticate and 401s', () => {
  async function with401(header: string | null, body: BodyInit | null = null) {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    let served = 0;
    env.msw.use(
      http.get('https://auth.test/api/guarded', () => {
        served++;
        return new HttpResponse(body, { status: 401, headers: header === null ? {} : { 'www-authenticate': header } });
      }),
    );
    server.resetCounters();
    const error = await bounded(caught(auth.http.get('api/guarded')));
    return { server, error, served: () => served, auth };
  }

  it.each([
    ['insufficient_scope behind a quoted comma', 'Bearer realm="a, error=invalid_token", error="insufficient_scope"'],
    ['a Basic challenge whose quoted realm mentions Bearer', 'Basic realm="intranet, Bearer access"'],
  ])('%s: no refresh, the 401 goes to the caller', async (_name, header) => {
    const { server, error, served } = await with401(header);
    expect(error).toMatchObject({ response: { status: 401 } });
    expect(server.counters.refreshCalls).toBe(0);
    expect(served()).toBe(1);
  });

  it.each([
    ['a 16 KB challenge of quoted commas', `Bearer realm="${'a,'.repeat(8_000)}", error="insufficient_scope"`, 0],
    ['16 KB of commas and spaces', `${', '.repeat(8_000)}Basic x=1`, 0],
    ['Basic then Bearer invalid_token', 'Basic realm="x", Bearer error="invalid_token"', 1],
    ['DPoP invalid_token then Bearer insufficient_scope', 'DPoP error="invalid_token", Bearer error="insufficient_scope"', 0],
  ])('%s: decided quickly and correctly', async (_name, header, refreshes) => {
    const started = performance.now();
    const { server, served } = await with401(header);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.counters.refreshCalls).toBe(refreshes);
    expect(served()).toBe(1 + refreshes);
  });

  it('a 401 with a 20 MB body: one refresh, one replay, a typed 401 to the caller, no hang', async () => {
    const { server, error, served } = await with401(null, 'x'.repeat(20 * 1024 * 1024));
    expect(error).toMatchObject({ response: { status: 401 } });
    expect(server.counters.refreshCalls).toBe(1);
    expect(served()).toBe(2);
  });

  it('no token in anything a hostile failure produces: errors (JSON, stack, causes), events, console', async () => {
    const consoleSpy = spyConsole();
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    const log = record(auth);
    env.msw.use(http.get('https://auth.test/api/down', () => new HttpResponse('<html>down</html>', { status: 503 })));
    await signIn(auth);
    const errors: unknown[] = [];
    errors.push(await bounded(caught(auth.http.get('api/down', { retry: 0 }))));
    server.inject('resource', { type: 'status', status: 401 });
    errors.push(await bounded(caught(auth.http.post('api/echo', { body: new ReadableStream({ start: (c) => c.close() }) }))));
    server.expireAccessTokens();
    server.inject('refresh', { type: 'malformed', kind: 'garbled-json' });
    errors.push(await bounded(caught(auth.http.get('api/me'))));
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    await vi.advanceTimersByTimeAsync(120_000);
    errors.push(await bounded(caught(auth.http.get('api/me'))));
    errors.push(await bounded(caught(auth.refresh())));
    const thrown = errors.filter((e) => e !== undefined);
    expect(thrown.filter((e) => isTokenflightError(e)).map((e) => (e as { code: string }).code)).toEqual(
      expect.arrayContaining(['TF_BODY_NOT_REPLAYABLE', 'TF_REFRESH_FAILED', 'TF_SESSION_ENDED', 'TF_NOT_AUTHENTICATED']),
    );
    const secrets = issuedTokens(env.wire);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    expectNoSecrets([...thrown, thrown.map((e) => JSON.stringify(e)), log.events, consoleSpy.calls(), auth.session], secrets);
  });
});
