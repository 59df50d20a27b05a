import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { htuOf } from '../../src/dpop/proof';
import { record, setupDpop, signIn } from './support';

const env = setupDpop();

describe('resource server nonces on error answers and htu normalisation', () => {
  it('a stale nonce and an expired token at once: nonce resend, one refresh, one replay with the nonce of the 401', async () => {
    const server = env.server({ dpop: { nonce: 'rs' } });
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    await auth.http.get('api/me').json();
    env.clear();
    server.dpop.rotateNonce();
    server.expireAccessTokens();
    const log = record(auth);
    await expect(auth.http.post('api/echo', { json: { k: 1 } }).json()).resolves.toEqual({ k: 1 });
    const sends = env.to('/api/echo');
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((s) => s.claims?.['jti'])).size).toBe(3);
    expect(sends[2]?.claims?.['nonce']).toBe(sends[1]?.claims?.['nonce']);
    expect(env.to('/auth/refresh')).toHaveLength(1);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(server.counters.requestsPerBody).toMatchObject({ '{"k":1}': 3 });
  });

  it("a nonce sent on a 403 or a 500 is used by the next proof to that origin", async () => {
    const server = env.server();
    const auth = env.dpopClient();
    await signIn(auth);
    env.msw.use(http.get(`${server.origin}/api/denied`, () => HttpResponse.json({ error: 'insufficient_scope' }, { status: 403, headers: { 'DPoP-Nonce': 'from-403' } })));
    await auth.http.get('api/denied').catch(() => undefined);
    await auth.http.get('api/me').json();
    expect(env.to('/api/me')[0]?.claims?.['nonce']).toBe('from-403');
  });

  it('htu: default port dropped, host lowercased, empty query and fragment left out (RFC 9449 §4.2, RFC 3986 §6.2.2)', () => {
    expect(htuOf('HTTPS://API.Example.COM:443/a/B?x=1#f')).toBe('https://api.example.com/a/B');
    expect(htuOf('http://x.test:80/p?')).toBe('http://x.test/p');
    expect(htuOf('http://x.test:8080/p#')).toBe('http://x.test:8080/p');
    expect(htuOf('https://x.test')).toBe('https://x.test/');
  });
});
