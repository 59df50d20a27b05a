import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthClient, isConfigError } from '../../src';
import { setup, signIn } from './support';

const env = setup();

function spy(origin: string) {
  const seen: Array<string | null> = [];
  env.msw.use(
    http.all(`${origin}/*`, ({ request }) => {
      seen.push(request.headers.get('authorization'));
      return HttpResponse.json({ ok: true });
    }),
  );
  return seen;
}

describe('trusted origins', () => {
  it('never sends the token to a third-party origin, even as an absolute URL through auth.http', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const seen = spy('https://third.party');
    await auth.http.get('https://third.party/data').json();
    await auth.http.extend({ headers: { x: '1' } }).get('https://third.party/data').json();
    expect(seen).toEqual([null, null]);
  });

  it.each([
    ['another scheme', 'http://auth.test'],
    ['another port', 'https://auth.test:8080'],
    ['a subdomain', 'https://evil.auth.test'],
    ['a lookalike suffix', 'https://auth.test.evil.com'],
  ])('exact origin match: %s gets no token', async (_name, origin) => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const seen = spy(origin);
    await auth.http.get(`${origin}/x`).json();
    expect(seen).toEqual([null]);
  });

  it('sends the token to an explicitly trusted origin', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false, trustedOrigins: ['https://files.example.com'] });
    await signIn(auth);
    const seen = spy('https://files.example.com');
    await auth.http.get('https://files.example.com/f').json();
    expect(seen[0]).toMatch(/^Bearer [A-Za-z0-9._-]+$/);
  });

  it('does not refresh on a 401 from an untrusted origin', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(http.get('https://third.party/401', () => new HttpResponse(null, { status: 401 })));
    server.resetCounters();
    await expect(auth.http.get('https://third.party/401')).rejects.toMatchObject({ response: { status: 401 } });
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('a redirect from a trusted origin to another origin does not carry the token', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(http.get('https://auth.test/api/redirect', () => new HttpResponse(null, { status: 302, headers: { location: 'https://third.party/landing' } })));
    const seen = spy('https://third.party');
    await auth.http.get('api/redirect').json();
    expect(seen).toEqual([null]);
  });

  it('leaves a caller-supplied Authorization header alone', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const seen = spy('https://auth.test/basic');
    await auth.http.get('basic/x', { headers: { authorization: 'Basic dTpw' } }).json();
    expect(seen).toEqual(['Basic dTpw']);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('rejects unusable options with a ConfigError', () => {
    expect(() => createAuthClient({ baseUrl: 'not a url at all' })).toThrow();
    const error = (() => {
      try {
        createAuthClient({ baseUrl: 'https://a.example/', trustedOrigins: ['ftp://files.example'] });
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error)).toBe(true);
    // An origin with a path would suggest a scoping that is not enforced: refused, not silently widened.
    expect(() => createAuthClient({ baseUrl: 'https://a.example/', trustedOrigins: ['https://files.example/private'] })).toThrow(/without a path/);
    expect(() => createAuthClient({ baseUrl: 'https://a.example/', trustedOrigins: ['https://files.example/'] })).not.toThrow();
  });
});
