import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { codeFlow, isConfigError } from '../../src';
import { consent, inspectableStore, ISSUER, REDIRECT, setupCodeFlow, unsignedJwt, waitFor, type AuthServer } from './support';

const t = setupCodeFlow();

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('resolved'), (error: unknown) => error);

/** The reference server's token answer with its ID token replaced by one made of `claims(nonce, now)`. */
function replaceIdToken(server: AuthServer, claims: (nonce: string, now: number) => Record<string, unknown>) {
  let nonce = '';
  t.env.msw.use(
    http.post(`${ISSUER}/oauth/token`, async ({ request }) => {
      const body = (await (await server.handle(request)).json()) as Record<string, unknown>;
      return HttpResponse.json({ ...body, id_token: unsignedJwt(claims(nonce, Math.floor(Date.now() / 1000))) });
    }),
  );
  return { sent: (url: string) => void (nonce = new URL(url).searchParams.get('nonce') ?? '') };
}

const claimsAt = (nonce: string, now: number) => ({ iss: ISSUER, sub: 'ada', aud: 'tokenflight', exp: now + 300, iat: now, nonce });

describe('ID token checks beyond the basics (OIDC Core §3.1.3.7)', () => {
  it('with max_age requested, auth_time must be there and recent enough (item 11)', async () => {
    const server = t.start();
    const cases: Array<[string, (nonce: string, now: number) => Record<string, unknown>, boolean]> = [
      ['missing auth_time', (nonce, now) => claimsAt(nonce, now), false],
      ['auth_time too old', (nonce, now) => ({ ...claimsAt(nonce, now), auth_time: now - 3_600 }), false],
      ['auth_time not a number', (nonce, now) => ({ ...claimsAt(nonce, now), auth_time: String(now) }), false],
      ['recent auth_time', (nonce, now) => ({ ...claimsAt(nonce, now), auth_time: now - 30 }), true],
    ];
    for (const [what, claims, ok] of cases) {
      const replaced = replaceIdToken(server, claims);
      const auth = t.client();
      const { flow } = t.flow(auth, { clockTolerance: 0 });
      const url = await flow.authorizationUrl({ max_age: 60 });
      replaced.sent(url);
      const outcome = await failure(flow.complete(await consent(url)));
      if (ok) expect(outcome, what).toMatchObject({ message: 'resolved' });
      else expect(outcome, what).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'invalid_id_token' });
    }
  });

  it('without max_age, auth_time is not required; the reference server answers max_age=0 with a fresh auth_time', async () => {
    t.start();
    const { flow } = t.flow(t.client());
    await expect(flow.complete(await consent(await flow.authorizationUrl({ max_age: 0 })))).resolves.toMatchObject({ status: 'authenticated' });
  });

  it('accepts aud as an array with azp = client id, and an iss parameter the provider did not advertise when it matches', async () => {
    const server = t.start();
    const replaced = replaceIdToken(server, (nonce, now) => ({ ...claimsAt(nonce, now), aud: ['tokenflight', 'https://api.test'], azp: 'tokenflight' }));
    t.env.msw.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, async ({ request }) => {
        const { authorization_response_iss_parameter_supported: _dropped, ...rest } = (await (await server.handle(request)).json()) as Record<string, unknown>;
        return HttpResponse.json(rest);
      }),
    );
    const { flow } = t.flow(t.client());
    const url = await flow.authorizationUrl();
    replaced.sent(url);
    await expect(flow.complete(await consent(url))).resolves.toMatchObject({ status: 'authenticated', user: { aud: ['tokenflight', 'https://api.test'] } });
  });

  it('an ID token without sub is refused (OIDC Core §2)', async () => {
    const server = t.start();
    const replaced = replaceIdToken(server, (nonce, now) => {
      const { sub: _sub, ...rest } = claimsAt(nonce, now);
      return rest;
    });
    const { flow } = t.flow(t.client());
    const url = await flow.authorizationUrl();
    replaced.sent(url);
    expect(await failure(flow.complete(await consent(url)))).toMatchObject({ reason: 'invalid_id_token' });
  });

  it('the tokens of a refused ID token are revoked, never kept', async () => {
    const server = t.start();
    const replaced = replaceIdToken(server, (_nonce, now) => claimsAt('replayed', now));
    const auth = t.client();
    const { flow } = t.flow(auth);
    const url = await flow.authorizationUrl();
    replaced.sent(url);
    expect(await failure(flow.complete(await consent(url)))).toMatchObject({ reason: 'invalid_id_token' });
    expect(auth.session.status).toBe('unauthenticated');
    await waitFor(() => server.counters.revocations === 1);
  });

  it('without an issuer: no openid by default, and an openid scope is a ConfigError before the redirect (nothing to check the ID token with)', async () => {
    const server = t.start();
    const plain = codeFlow(t.client(), { authorizationEndpoint: `${ISSUER}/oauth/authorize`, redirectUri: REDIRECT, store: inspectableStore() });
    const url = new URL(await plain.authorizationUrl());
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.get('scope') ?? '').not.toContain('openid');
    await expect(plain.complete(await consent(url.href))).resolves.toMatchObject({ status: 'authenticated' });

    const openid = codeFlow(t.client(), { authorizationEndpoint: `${ISSUER}/oauth/authorize`, redirectUri: REDIRECT, scope: 'openid', store: inspectableStore() });
    expect(isConfigError(await failure(openid.authorizationUrl()))).toBe(true);
    expect(server.counters.codesExchanged).toBe(1);
  });
});
