import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { isLoginError, isRefreshError, memoryStorage, type StorageAdapter } from '../../src';
import { caught, expectNoSecrets, jump, record, setupDialects, signIn, spyConsole } from './support';
import { HOSTILE, jwt, pair, scriptedServer, type Answer } from './scripted';

const env = setupDialects();

function hostile(answer: (n: number, kind: 'login' | 'refresh') => Answer, options: { storage?: StorageAdapter } = {}) {
  env.server(); // fake clock
  const seen = scriptedServer(env.msw, answer);
  const auth = env.client({ baseUrl: HOSTILE, allowInsecureHttp: true, autoRefresh: false, ...options });
  const log = record(auth);
  const consoleSpy = spyConsole();
  return { seen, auth, log, consoleSpy };
}

const BAD: ReadonlyArray<readonly [string, string]> = [
  ['CR/LF (header injection)', 'AbCdEfGhIjKl0123\r\nX-Injected: yes'],
  ['LF only', 'AbCdEfGhIjKl0123\nSet-Cookie: a=b'],
  ['NUL', 'AbCdEfGhIjKl0123\u0000ZyXwVuTsRq'],
  ['space', 'AbCdEfGhIjKl0123 ZyXwVuTsRq'],
  ['tab', 'AbCdEfGhIjKl0123\tZyXwVuTsRq'],
  ['non-ASCII', 'AbCdEfGhIjKl0123ÿéZyXwVuTsRq'],
  ['emoji', 'AbCdEfGhIjKl0123😀ZyXwVuTsRq'],
  ['quote and comma', 'AbCdEfGhIjKl0123",ZyXwVuTsRq'],
  ['1 MB', `${'A'.repeat(1_048_576)}ZyXwVuTsRq`],
];
/** A refresh token only travels in a POST body: printable ASCII is fine there (RFC 6749 A.17), so quotes and commas are not hostile. */
const BAD_REFRESH = BAD.filter(([name]) => name !== 'quote and comma');

describe('hostile tokens from the server', () => {
  it.each(BAD)('access token with %s at login: rejected before any header is set, not echoed', async (_name, bad) => {
    const { seen, auth, log, consoleSpy } = hostile(() => ({ ...pair(1), access_token: bad }));
    const error = await caught(signIn(auth));
    expect(isLoginError(error)).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    expect(await auth.getAccessToken()).toBeNull();
    await auth.http.get('api/me').json();
    expect(seen.bearers).toEqual(['']);
    expectNoSecrets([error, log.events, consoleSpy.calls(), auth.session], [bad]);
  });

  it.each(BAD)('access token with %s on refresh: transient failure, the old token stays in use', async (_name, bad) => {
    const { seen, auth, log, consoleSpy } = hostile((n) => (n === 2 ? { ...pair(2), access_token: bad } : pair(n)));
    await signIn(auth);
    const error = await caught(auth.refresh());
    expect(isRefreshError(error)).toBe(true);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true }]);
    await auth.http.get('api/me').json();
    expect(seen.bearers).toEqual([`Bearer ${pair(1).access_token}`]);
    expectNoSecrets([error, log.events, consoleSpy.calls(), auth.session], [bad]);
  });

  it.each(BAD_REFRESH)('refresh token with %s: the whole answer is refused, the old pair kept and presented again', async (_name, bad) => {
    const { seen, auth, log, consoleSpy } = hostile((n) => (n === 2 ? { ...pair(2), refresh_token: bad } : pair(n)));
    await signIn(auth);
    expect(isRefreshError(await caught(auth.refresh()))).toBe(true);
    jump(1_000); // past the backoff: within it an explicit refresh sends nothing
    expect(isRefreshError(await caught(auth.refresh()))).toBe(false);
    const presented = seen.tokenBodies.slice(1).map((b) => (JSON.parse(b) as { refreshToken: string }).refreshToken);
    expect(presented).toEqual([pair(1).refresh_token, pair(1).refresh_token]);
    expectNoSecrets([log.events, consoleSpy.calls()], [bad]);
  });

  it('a refresh token of printable ASCII outside b64token (Microsoft-style `M.C5…!*$`) is kept, stored and presented as is', async () => {
    const odd = 'M.C507_BAY.0.U.-Cq3!*$Dzb8Zx"q,1Y~u';
    const storage = memoryStorage();
    const { seen, auth } = hostile((n) => (n === 1 ? { ...pair(1), refresh_token: odd } : pair(n)), { storage });
    await signIn(auth);
    expect(await storage.getItem('tokenflight.session')).toContain(JSON.stringify(odd).slice(1, -1));
    await auth.refresh();
    expect(JSON.parse(seen.tokenBodies[1] ?? '{}')).toMatchObject({ refreshToken: odd });
  });

  it('a large but valid token (60 KiB) is accepted and sent; 1 MB bodies of junk are a transient failure', async () => {
    const big = `${'A'.repeat(60 * 1024)}xyz`;
    const junk = new HttpResponse(`<html>${'x'.repeat(1_048_576)}</html>`, { status: 200, headers: { 'content-type': 'text/html' } });
    const { seen, auth } = hostile((n) => (n === 1 ? { ...pair(1), access_token: big } : junk));
    await signIn(auth);
    await auth.http.get('api/me').json();
    expect(seen.bearers[0]).toBe(`Bearer ${big}`);
    expect(isRefreshError(await caught(auth.refresh()))).toBe(true);
    expect(auth.session.status).toBe('authenticated');
  });
});

describe('hostile JWTs: the access token is opaque; exp may only shorten expires_in', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['alg none, far-future exp, no expires_in', () => ({ access_token: jwt({ alg: 'none' }, { sub: 'x', exp: now() + 10 ** 8 }, ''), expires_in: undefined }), null],
    ['alg NONE, exp in 10 s, expires_in 300', () => ({ access_token: jwt({ alg: 'NONE', typ: 'JWT' }, { exp: now() + 10 }, ''), expires_in: 300 }), 300_000],
    ['no alg at all, exp in 10 s', () => ({ access_token: jwt({ typ: 'JWT' }, { exp: now() + 10 }) }), 300_000],
    ['HS256, far-future exp, expires_in 60', () => ({ access_token: jwt({ alg: 'HS256' }, { exp: now() + 10 ** 8 }), expires_in: 60 }), 60_000],
    ['HS256, exp 1e300, no expires_in', () => ({ access_token: jwt({ alg: 'HS256' }, { exp: 1e300 }), expires_in: undefined }), 365 * 86_400_000],
    ['HS256, exp sooner than expires_in', () => ({ access_token: jwt({ alg: 'HS256' }, { exp: now() + 120 }) }), 120_000],
    ['exp as a string', () => ({ access_token: jwt({ alg: 'HS256' }, { exp: String(now() + 10) }) }), 300_000],
    ['payload not JSON', () => ({ access_token: `${jwt({ alg: 'HS256' }, {}).split('.')[0] ?? ''}.bm90IGpzb24.sig` }), 300_000],
    ['payload an array', () => ({ access_token: jwt({ alg: 'HS256' }, [1, 2, 3]) }), 300_000],
    ['payload null', () => ({ access_token: jwt({ alg: 'HS256' }, null) }), 300_000],
    ['header garbage', () => ({ access_token: 'AAAA.BBBB.CCCC' }), 300_000],
    ['deeply nested payload', () => ({ access_token: jwt({ alg: 'HS256' }, '['.repeat(5000) + ']'.repeat(5000)) }), 300_000],
    ['four segments', () => ({ access_token: `${jwt({ alg: 'HS256' }, { exp: now() + 10 })}.extra` }), 300_000],
  ] as const)('%s', async (_name, make, lifetime) => {
    const { seen, auth } = hostile(() => ({ ...pair(1), ...make() }));
    const session = await signIn(auth);
    expect(session.status).toBe('authenticated');
    expect(session.expiresAt === null ? null : session.expiresAt - Date.now()).toBe(lifetime);
    await auth.http.get('api/me').json();
    expect(seen.bearers[0]).toMatch(/^Bearer \S+$/);
  });

  it('claims of an unsigned token are not exposed as if they meant something', async () => {
    const { auth } = hostile(() => ({ ...pair(1), access_token: jwt({ alg: 'none' }, { sub: 'admin', role: 'root' }, '') }));
    const session = await signIn(auth);
    expect(session.claims).toBeNull();
  });
});
