import { describe, expect, it } from 'vitest';
import { isLoginError } from '../../src';
import { API, jump, record, setupDpop, signIn } from './support';
import { http, HttpResponse } from 'msw';

const env = setupDpop();

describe('DPoP proofs on every call (RFC 9449 §4, §7)', () => {
  it('binds a login, proves every token call and sends bound tokens only with the DPoP scheme', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    expect(await auth.http.get('api/me').json()).toMatchObject({ username: 'ada' });
    jump(61_000);
    expect(await auth.http.get('api/me').json()).toMatchObject({ username: 'ada' });
    const [login] = env.to('/auth/login');
    expect(login?.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(Object.keys(login?.header?.['jwk'] as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(login?.claims).toMatchObject({ htm: 'POST', htu: `${API}auth/login` });
    expect(login?.claims).not.toHaveProperty('ath');
    expect(env.to('/auth/refresh')).toHaveLength(1);
    for (const call of env.to('/api/me')) {
      expect(call.authorization).toMatch(/^DPoP /);
      expect(call.claims).toMatchObject({ htm: 'GET', htu: `${API}api/me` });
      expect(typeof call.claims?.['ath']).toBe('string');
    }
    expect(env.wire.every((entry) => entry.proof !== null)).toBe(true);
    expect(env.wire.some((entry) => /^Bearer/i.test(entry.authorization ?? ''))).toBe(false);
    expect(new Set(env.wire.map((entry) => entry.claims?.['jti'])).size).toBe(env.wire.length);
    expect(server.counters).toMatchObject({ dpopProofsAccepted: env.wire.length, dpopProofsRejected: {} });
  });

  it('leaves the query and fragment out of htu and proves the OAuth password and refresh grants and the revocation', async () => {
    const server = env.server();
    const auth = env.dpopClient({ protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false });
    await signIn(auth);
    await auth.http.get('api/items/7?view=full#top').json();
    await auth.refresh();
    await auth.logout();
    await until(() => env.to('/oauth/revoke').length === 1);
    expect(env.to('/api/items/7')[0]?.claims?.['htu']).toBe(`${API}api/items/7`);
    expect(env.to('/oauth/token').map((entry) => entry.claims?.['htm'])).toEqual(['POST', 'POST']);
    expect(env.to('/oauth/revoke')[0]?.proof).not.toBeNull();
    expect(server.counters.dpopProofsRejected).toEqual({});
  });

  it('keeps refusing token_type DPoP without DPoP on', async () => {
    const server = env.server();
    env.msw.use(http.post(`${server.origin}/auth/login`, () => HttpResponse.json({ accessToken: 'a.b.c', refreshToken: 'r', expiresIn: 60, tokenType: 'DPoP' })));
    const auth = env.plainClient();
    const error = await signIn(auth).catch((e: unknown) => e);
    expect(isLoginError(error)).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('accepts a Bearer answer to a proof (a server without DPoP) and then sends Bearer', async () => {
    const server = env.server();
    env.msw.use(
      http.post(`${server.origin}/auth/login`, async () => {
        const { accessToken, refreshToken } = await server.issueTokens('ada');
        return HttpResponse.json({ accessToken, refreshToken, expiresIn: 300, tokenType: 'Bearer' });
      }),
    );
    const auth = env.dpopClient();
    await signIn(auth);
    await auth.http.get('api/me').json();
    expect(env.to('/api/me')[0]?.authorization).toMatch(/^Bearer /);
  });

  it('never puts a proof, a key or an ath in an event or an error', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.dpopClient({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    server.dpop.rejectNextProof();
    const error = await auth.http.get('api/me').json().catch((e: unknown) => e);
    jump(61_000);
    await auth.http.get('api/me').json();
    const said = JSON.stringify([log.events, error, String(error), (error as Error).stack]);
    for (const entry of env.wire) {
      expect(said).not.toContain(entry.proof?.split('.')[2]);
      expect(said).not.toContain(String(entry.claims?.['jti']));
      if (entry.claims?.['ath'] !== undefined) expect(said).not.toContain(String(entry.claims['ath']));
      expect(said).not.toContain(String((entry.header?.['jwk'] as { x?: string } | undefined)?.x));
    }
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
