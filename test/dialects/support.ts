import { inspect } from 'node:util';
import { jump, recordAll, signIn } from '../client/support';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../src';
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../src/testing';

export const API = 'https://auth.test/';
export const ORIGIN = 'https://auth.test';
export const TOKEN_PATHS = ['/auth/login', '/auth/refresh', '/auth/logout', '/oauth/token', '/oauth/revoke'];

/** One request as it went over the wire, and what came back. */
export interface Exchange {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseBody: string;
  setCookie: string[];
  /** Fake-clock time the request arrived. */
  at: number;
}

/** Rewrites (or replaces) what the reference server answered: hostile bodies, missing fields, other headers. `body` is the request body. */
export type Rewrite = (request: Request, response: Response, body: string) => Response | Promise<Response>;

export const asJson = async (response: Response): Promise<Record<string, unknown>> => (await response.clone().json()) as Record<string, unknown>;

/** A JSON response with the reference server's status and headers, and `change` applied to its body. */
export async function editJson(response: Response, change: (body: Record<string, unknown>) => Record<string, unknown>): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(change(await asJson(response))), { status: response.status, headers });
}

const isTokenCall = (request: Request) => TOKEN_PATHS.includes(new URL(request.url).pathname);

/**
 * One MSW server per file. The reference server is mounted through `server.handle` so every exchange
 * is recorded (`wire`) and a test can rewrite answers (`rewrite`) to play a server the reference one
 * is not. Fake clock for every test; every client is disposed after it.
 */
export function setupDialects() {
  const msw = setupServer();
  const clients: AuthClient[] = [];
  const wire: Exchange[] = [];
  beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    for (const client of clients.splice(0)) client.dispose();
    wire.length = 0;
    msw.resetHandlers();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());

  return {
    msw,
    wire,
    /** Token-endpoint exchanges (login, refresh, logout, OAuth token and revoke). */
    tokenCalls: () => wire.filter((e) => TOKEN_PATHS.includes(e.path)),
    server(options: AuthServerOptions = {}, rewrite?: Rewrite): AuthServer {
      vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      vi.setSystemTime(Date.UTC(2030, 0, 1));
      const server = createAuthServer(options);
      msw.use(
        http.all(`${ORIGIN}/*`, async ({ request }) => {
          const at = Date.now();
          const body = await request.clone().text();
          let response = await server.handle(request);
          if (rewrite !== undefined && response.type !== 'error') response = await rewrite(request, response, body);
          const url = new URL(request.url);
          wire.push({
            method: request.method,
            url: request.url,
            path: url.pathname,
            headers: Object.fromEntries(request.headers),
            body,
            status: response.type === 'error' ? 0 : response.status,
            responseBody: response.type === 'error' ? '' : await response.clone().text(),
            setCookie: response.type === 'error' ? [] : response.headers.getSetCookie(),
            at,
          });
          return response.type === 'error' ? HttpResponse.error() : response;
        }),
      );
      return server;
    },
    client(options: Partial<AuthClientOptions> = {}): AuthClient {
      const client = createAuthClient({ baseUrl: API, random: () => 0.5, deviceInfo: 'test', ...options });
      clients.push(client);
      return client;
    },
    /** Token responses only rewritten: resource calls stay untouched. */
    onTokenCalls: (rewrite: Rewrite): Rewrite => (request, response, body) => (isTokenCall(request) ? rewrite(request, response, body) : response),
  };
}

/** Records every event of a client (session:change included), in order. */
export { recordAll as record, jump, signIn };

/**
 * Lets background work that is not awaited by the test (a retry fired by a timer, its network round
 * trip through MSW) run to completion: yields to the event loop a few times. No time passes.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Waits, without moving the fake clock, until `check` holds: yields to the event loop until the
 * server's real I/O (WebCrypto) has answered. Bounded by 5 s of real time; never a fixed sleep.
 */
export async function eventually(check: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!check() && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

/**
 * Drives the fake clock in 10 ms steps until `promise` settles, yielding to real I/O in between: the
 * reference server hashes and signs with WebCrypto, which completes on real time, so a fixed advance
 * could run past a timer that work sets only once that I/O is done (a retry pause, a timeout).
 */
export async function until<T>(promise: Promise<T>, limitMs = 300_000): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
  };
  promise.then(mark, mark);
  for (let t = 0; !done && t < limitMs; t += 10) {
    await settle();
    if (!done) await vi.advanceTimersByTimeAsync(10);
  }
  if (!done) throw new Error(`still pending after ${limitMs} ms of fake time`);
  return promise;
}

export const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

const ACCESS = ['access_token', 'accessToken'];
const REFRESH = ['refresh_token', 'refreshToken', 'refreshKey'];

/** Every token value the wire carried back from the token endpoints (body fields and Set-Cookie); `refresh` only: refresh tokens. */
export function issuedTokens(wire: readonly Exchange[], only?: 'refresh'): string[] {
  const found = new Set<string>();
  for (const exchange of wire) {
    if (!TOKEN_PATHS.includes(exchange.path) && exchange.path !== '/auth/keys') continue;
    try {
      const body = JSON.parse(exchange.responseBody) as Record<string, unknown>;
      for (const key of only === 'refresh' ? REFRESH : [...ACCESS, ...REFRESH]) {
        const value = body[key];
        if (typeof value === 'string' && value !== '') found.add(value);
      }
    } catch {
      // not JSON
    }
    for (const cookie of exchange.setCookie) {
      const value = /^[^=]+=([^;]*)/.exec(cookie)?.[1];
      if (value) found.add(value);
    }
  }
  return [...found];
}

/** Distinctive pieces of a secret: the whole value and overlapping 12-character windows (JWT segments included). */
function fragments(secret: string): string[] {
  const pieces = new Set<string>([secret]);
  for (const part of secret.split('.').filter((p) => p.length >= 12)) {
    for (let i = 0; i + 12 <= part.length; i += 6) pieces.add(part.slice(i, i + 12));
  }
  // The shared JWT header (`{"alg":"HS256","typ":"JWT"}`) is not secret.
  return [...pieces].filter((p) => !'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'.includes(p));
}

/** Every text a value exposes: message, stack, JSON, inspection (hidden fields, `cause` chain). */
function texts(value: unknown, depth = 0): string[] {
  if (depth > 6) return [];
  const out = [inspect(value, { depth: 8, showHidden: true, maxStringLength: null, maxArrayLength: null })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // circular: inspect covers it
  }
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '', String(value));
    if (value.cause !== undefined) out.push(...texts(value.cause, depth + 1));
  }
  return out;
}

/** Asserts that none of `things` shows any fragment of any secret. */
export function expectNoSecrets(things: readonly unknown[], secrets: readonly string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  const pieces = secrets.flatMap(fragments);
  for (const thing of things) {
    const all = texts(thing).join('\n');
    const leaked = pieces.find((piece) => all.includes(piece));
    expect(leaked, `a token fragment leaked into ${all.slice(0, 200)}`).toBeUndefined();
  }
}

/** Silences and records console output for the test. */
export function spyConsole(): { calls: () => unknown[][] } {
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((name) => vi.spyOn(console, name).mockImplementation(() => undefined));
  return { calls: () => spies.flatMap((spy) => spy.mock.calls) };
}

/**
 * A tiny cookie jar around the global fetch, as a browser would keep the HttpOnly cookie: it stores
 * Set-Cookie answers and sends them back only to matching paths and only with `credentials: 'include'`
 * (every request counts as cross-origin). `Secure` is ignored: the test origin is http.
 */
export function cookieJar() {
  const jar = new Map<string, { value: string; path: string }>();
  const sent: Array<{ url: string; credentials: RequestCredentials; cookie: string | null }> = [];
  const base = globalThis.fetch; // the (MSW-intercepted) fetch of now: the jar may replace the global one
  const fetchWithJar: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    const matching = request.credentials === 'include' ? [...jar].filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(`${c.path}/`)) : [];
    if (matching.length > 0) headers.set('cookie', matching.map(([name, c]) => `${name}=${c.value}`).join('; '));
    sent.push({ url: request.url, credentials: request.credentials, cookie: headers.get('cookie') });
    const response = await base(new Request(request, { headers }));
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      if (attributes.some((a) => /^max-age=0$/i.test(a)) || pair.slice(eq + 1) === '') jar.delete(name);
      else jar.set(name, { value: pair.slice(eq + 1), path });
    }
    return response;
  };
  return { fetch: fetchWithJar, jar, sent };
}

/**
 * The wire rules: no Bearer on any token-endpoint call, token calls are POSTs, and no refresh token
 * (body, cookie, or `extra`, e.g. a minted key) ever appears in a URL or in any non-token request.
 */
export function expectCleanWire(wire: readonly Exchange[], server: AuthServer, extra: readonly string[] = []): void {
  const refreshTokens = [...issuedTokens(wire, 'refresh'), ...extra];
  expect(wire.length).toBeGreaterThan(0);
  for (const e of wire) {
    const tokenCall = TOKEN_PATHS.includes(e.path);
    if (tokenCall) {
      expect(e.method).toBe('POST');
      expect(e.headers['authorization'] ?? '').not.toMatch(/^bearer/i);
    }
    for (const token of refreshTokens) {
      expect(e.url.includes(token), `refresh token in the URL of ${e.path}`).toBe(false);
      if (!tokenCall) expect(`${JSON.stringify(e.headers)}${e.body}`.includes(token), `refresh token sent to ${e.path}`).toBe(false);
    }
  }
  expect(server.counters.bearerOnTokenEndpoint).toBe(0);
  expect(server.counters.refreshTokensSeenInUrl).toBe(0);
}
