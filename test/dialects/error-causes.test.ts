import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isLoginError, isRefreshError, type AuthClientOptions, type AuthEvents, type LoginError, type RefreshError } from '../../src';
import { redactCause, scrub } from '../../src/endpoint/redact';
import { caught, expectNoSecrets, issuedTokens, jump, ORIGIN, record, setupDialects, signIn, until } from './support';

const env = setupDialects();
const PASSWORD = 'lovelace';

/**
 * A fetch that fails the calls to `path` the way runtimes do, with `message(body)` (the request body
 * in hand, so a test can make the error quote the password or the refresh token); others go through.
 */
function failing(path: string, make: (body: string, url: string) => unknown): NonNullable<AuthClientOptions['fetch']> {
  return async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname !== path) return fetch(request);
    throw make(await request.clone().text(), request.url);
  };
}

const undiciFailure = (detail: string) =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED 10.0.0.7:443 ${detail}`), { code: 'ECONNREFUSED' }) });

describe('login errors say which call failed, how, and why', () => {
  it('network: the message names POST /auth/login and the class; the cause is the runtime error, redacted', async () => {
    env.server();
    const auth = env.client({ fetch: failing('/auth/login', () => undiciFailure('')) });
    const error = (await caught(signIn(auth))) as LoginError;
    expect(isLoginError(error)).toBe(true);
    expect(error.message).toBe(
      'Login failed at POST /auth/login: network error, no response (offline, DNS, TLS, refused; in a browser also CORS); try again.',
    );
    expect(error.cause).toEqual({ name: 'TypeError', message: 'fetch failed (connect ECONNREFUSED 10.0.0.7:443 )', code: 'ECONNREFUSED' });
    expect(error).toMatchObject({ retryable: true, status: undefined, reason: undefined });
  });

  it('CORS (a browser says only "Failed to fetch"): a network error that says a CORS refusal looks the same', async () => {
    env.server();
    const auth = env.client({ fetch: failing('/auth/login', () => new TypeError('Failed to fetch')) });
    const error = (await caught(signIn(auth))) as LoginError;
    expect(error.message).toContain('CORS');
    expect(error.cause).toEqual({ name: 'TypeError', message: 'Failed to fetch', code: undefined });
  });

  it('timeout: the class and ky`s TimeoutError as the cause, without the URL`s query', async () => {
    const server = env.server();
    server.inject('login', { type: 'delay', ms: 60_000 });
    const auth = env.client({ timeout: 5_000, endpoints: { login: 'auth/login?tenant=acme&api_key=k3y-Secret-Value-9' } });
    const error = (await until(caught(signIn(auth)))) as LoginError;
    expect(error.message).toBe('Login failed at POST /auth/login: timeout, no answer in time; try again.');
    expect(error.cause).toEqual({ name: 'TimeoutError', message: `Request timed out: POST ${ORIGIN}/auth/login`, code: undefined });
    expectNoSecrets([error], ['k3y-Secret-Value-9', 'tenant=acme']);
  });

  it('HTTP status and unusable body: the status in the message and in `status`', async () => {
    const server = env.server();
    server.inject('login', { type: 'status', status: 503 });
    const auth = env.client();
    const down = (await caught(signIn(auth))) as LoginError;
    expect(down.message).toBe('Login failed at POST /auth/login: HTTP 503; try again.');
    expect(down).toMatchObject({ status: 503, retryable: true });
    env.msw.use(http.post(`${ORIGIN}/auth/login`, () => new HttpResponse('<html>maintenance</html>', { status: 200 })));
    const garbled = (await caught(signIn(auth))) as LoginError;
    expect(garbled.message).toBe('Login failed at POST /auth/login: unusable answer (HTTP 200); try again.');
  });

  it('rejected credentials: the OAuth code and status in the message', async () => {
    env.server();
    const auth = env.client();
    const error = (await caught(auth.login({ username: 'ada', password: 'wrong' }))) as LoginError;
    expect(error.message).toBe('The server rejected the credentials at POST /auth/login: rejected (HTTP 401, invalid_grant).');
    expect(error).toMatchObject({ retryable: false, reason: 'invalid_grant' });
  });

  it('config: a request that cannot be built (credentials in the URL) is not retryable and the cause shows no user or password', async () => {
    env.server();
    const auth = env.client({ endpoints: { login: 'https://svc:pa55word@auth.test/auth/login' } });
    const error = (await caught(signIn(auth))) as LoginError;
    expect(error.message).toBe('Login failed at POST /auth/login: request not built (bad URL, header or body), nothing sent.');
    expect(error.retryable).toBe(false);
    expect((error.cause as { name: string }).name).toBe('TypeError');
    expectNoSecrets([error], ['pa55word', 'svc:']);
    expect(env.wire).toEqual([]);
  });

  it.each<[string, 'json' | 'oauth']>([
    ['JSON body', 'json'],
    ['form body', 'oauth'],
  ])('a fetch error that quotes the request (%s): the password is nowhere in the error', async (_name, protocol) => {
    env.server();
    const auth = env.client({
      protocol,
      clientId: 'tokenflight',
      fetch: failing(protocol === 'json' ? '/auth/login' : '/oauth/token', (body, url) => new Error(`socket hang up sending ${body} to ${url}`)),
    });
    const error = (await caught(auth.login({ username: 'ada', password: `${PASSWORD}+ &"x` }))) as LoginError;
    expect(error.message).toContain('network error');
    expect((error.cause as { message: string }).message).toContain('[redacted]');
    expectNoSecrets([error, String(error), JSON.stringify(error), error.stack, error.cause], [`${PASSWORD}+ &"x`, PASSWORD, encodeURIComponent(`${PASSWORD}+ &"x`)]);
  });
});

describe('refresh and revocation errors', () => {
  it('refresh: a fetch error quoting the refresh token and an access token leaves neither in the RefreshError', async () => {
    env.server();
    let accessToken = '';
    const auth = env.client({
      autoRefresh: false,
      fetch: failing('/auth/refresh', (body) => new TypeError(`write EPIPE while sending ${body} (last bearer ${accessToken})`)),
    });
    await signIn(auth);
    accessToken = (await auth.getAccessToken()) ?? '';
    const error = (await until(caught(auth.refresh()))) as RefreshError;
    expect(isRefreshError(error)).toBe(true);
    expect(error.message).toBe(
      'Token refresh failed at POST /auth/refresh: network error, no response (offline, DNS, TLS, refused; in a browser also CORS); the session is kept and will retry.',
    );
    expect(error.cause).toMatchObject({ name: 'TypeError', message: expect.stringContaining('write EPIPE while sending') });
    expectNoSecrets([error, String(error), JSON.stringify(error), error.stack, error.cause], [...issuedTokens(env.wire), accessToken]);
  });

  it('refresh: an HTTP status and a timeout are told apart', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, timeout: 5_000 });
    await signIn(auth);
    server.inject('refresh', { type: 'status', status: 502 });
    const bad = (await caught(auth.refresh())) as RefreshError;
    expect(bad.message).toBe('Token refresh failed at POST /auth/refresh: HTTP 502; the session is kept and will retry.');
    expect(bad.status).toBe(502);
    expect(bad.cause).toBeUndefined();
    jump(1_000); // past the backoff: within it an explicit refresh sends nothing
    server.inject('refresh', { type: 'delay', ms: 60_000 }, 2);
    const slow = (await until(caught(auth.refresh()))) as RefreshError;
    expect(slow.message).toBe('Token refresh failed at POST /auth/refresh: timeout, no answer in time; the session is kept and will retry.');
    expect(slow.cause).toMatchObject({ name: 'TimeoutError' });
  });

  it('revocation that gives up: session:error names the call and the class, with a redacted cause', async () => {
    env.server();
    const auth = env.client({
      autoRefresh: false,
      fetch: failing('/auth/logout', (body) => undiciFailure(`after ${body}`)),
    });
    await signIn(auth);
    const log = record(auth);
    const { revocation } = await auth.logout();
    expect(await revocation).toBe(false);
    await until(new Promise<void>((resolve) => auth.on('session:error', () => resolve())));
    const [event] = log.of('session:error') as Array<AuthEvents['session:error']>;
    expect(event).toMatchObject({
      operation: 'revoke',
      code: 'revoke-failed',
      message:
        'Could not revoke the refresh token at POST /auth/logout after 4 attempts (last: network error, no response (offline, DNS, TLS, refused; in a browser also CORS)); it stays valid at the server until it expires.',
      cause: { name: 'TypeError', code: 'ECONNREFUSED', message: expect.stringContaining('[redacted]') },
    });
    expectNoSecrets([event, JSON.stringify(event)], issuedTokens(env.wire, 'refresh'));
    vi.useRealTimers();
  });
});

describe('redaction of a cause', () => {
  it('keeps what helps (codes, addresses, hosts) and removes secrets in any encoding, token-like runs, queries and user info', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4OTA';
    const text = [
      'ERR_TLS_CERT_ALTNAME_INVALID UND_ERR_CONNECT_TIMEOUT connect ECONNREFUSED 127.0.0.1:443 getaddrinfo ENOTFOUND auth.example.com',
      `pass=${encodeURIComponent('p@ss w0rd!')} json="p@ss w0rd!" form=${new URLSearchParams({ p: 'p@ss w0rd!' }).toString()}`,
      `bearer ${jwt} opaque 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
      'https://user:hunter2@api.example.com/auth/login?api_key=k3y#frag',
    ].join(' | ');
    const out = scrub(text, ['p@ss w0rd!']);
    for (const kept of ['ERR_TLS_CERT_ALTNAME_INVALID', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED 127.0.0.1:443', 'ENOTFOUND auth.example.com', 'https://api.example.com/auth/login']) {
      expect(out).toContain(kept);
    }
    for (const gone of ['p@ss', 'w0rd', 'p%40ss', 'eyJ', '9f86d081884c7d659a2f', 'hunter2', 'user:', 'api_key', 'k3y', 'frag']) expect(out).not.toContain(gone);
  });

  it('unwraps ky`s NetworkError to the runtime error and its code', () => {
    const runtime = new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    const ky = Object.assign(new Error('Request failed due to a network error: POST https://a.example/x?secret=1'), { name: 'NetworkError', cause: runtime });
    expect(redactCause(ky, [])).toEqual({ name: 'TypeError', message: 'fetch failed (read ECONNRESET)', code: 'ECONNRESET' });
    expect(redactCause('a thrown string with rt_5e5eb0d0ba5e64a1c0de', ['rt_5e5eb0d0ba5e64a1c0de'])).toEqual({ name: 'string', message: 'a thrown string with [redacted]', code: undefined });
  });
});
