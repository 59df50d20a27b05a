import { describe, expect, it } from 'vitest';
import { authorizeAt, exchange, pkce, REDIRECT, request } from './authorization-support';
import { claimsOf, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();
const ORIGIN = 'https://auth.test';

describe('authorization endpoint and code grant (RFC 6749 §4.1, RFC 7636, RFC 9207)', () => {
  it('redirects back with a code, the state and iss; the code gives tokens and an ID token with the nonce', async () => {
    const server = start();
    const { verifier, challenge } = pkce();
    const { response, query } = await authorizeAt(ORIGIN, request(challenge));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')?.startsWith(`${REDIRECT}?`)).toBe(true);
    expect(query?.get('state')).toBe('st-1');
    expect(query?.get('iss')).toBe(ORIGIN);
    const code = query?.get('code') ?? '';
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { status, body } = await exchange(ORIGIN, { code, code_verifier: verifier });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid read', access_token: expect.any(String), refresh_token: expect.any(String) });
    const id = claimsOf(String(body['id_token']));
    expect(id).toMatchObject({ iss: ORIGIN, sub: 'ada', aud: 'tokenflight', azp: 'tokenflight', nonce: 'n-1' });
    expect(Number(id['exp']) - Number(id['iat'])).toBe(300);
    expect(server.counters).toMatchObject({ authorizations: 1, codesExchanged: 1, pkceFailures: 0, codeReuse: 0 });
    // The refresh token works like any other.
    const me = await fetch(`${ORIGIN}/api/me`, { headers: { authorization: `Bearer ${String(body['access_token'])}` } });
    expect(await me.json()).toMatchObject({ username: 'ada' });
  });

  it('binds the code to its client, its exact redirect URI and its verifier', async () => {
    const server = start({ clients: ['tokenflight', 'other'] });
    const cases: Array<[Record<string, string>, string]> = [
      [{ client_id: 'other' }, 'client'],
      [{ redirect_uri: `${REDIRECT}/` }, 'redirect'],
      [{ code_verifier: pkce().verifier }, 'verifier'],
      [{ code_verifier: '' }, 'missing verifier'],
    ];
    for (const [change, label] of cases) {
      const { verifier, challenge } = pkce();
      const { query } = await authorizeAt(ORIGIN, request(challenge));
      const { status, body } = await exchange(ORIGIN, { code: query?.get('code') ?? '', code_verifier: verifier, ...change });
      expect(status, label).toBe(400);
      expect(body['error'], label).toBe('invalid_grant');
    }
    expect(server.counters).toMatchObject({ authorizations: 4, codesExchanged: 0, pkceFailures: 2 });
  });

  it('a code presented twice is refused and what it issued is revoked (§4.1.2)', async () => {
    const server = start();
    const { verifier, challenge } = pkce();
    const { query } = await authorizeAt(ORIGIN, request(challenge));
    const code = query?.get('code') ?? '';
    const first = await exchange(ORIGIN, { code, code_verifier: verifier });
    const again = await exchange(ORIGIN, { code, code_verifier: verifier });
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });
    expect(server.counters).toMatchObject({ codesExchanged: 1, codeReuse: 1 });
    const refresh = await fetch(`${ORIGIN}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(first.body['refresh_token']), client_id: 'tokenflight' }),
    });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('codes live 60 s by default', async () => {
    useFakeClock();
    start();
    const { verifier, challenge } = pkce();
    const { query } = await authorizeAt(ORIGIN, request(challenge));
    const { vi } = await import('vitest');
    vi.setSystemTime(Date.now() + 61_000);
    const { body } = await exchange(ORIGIN, { code: query?.get('code') ?? '', code_verifier: verifier });
    expect(body).toMatchObject({ error: 'invalid_grant', error_description: 'The authorization code expired' });
  });

  it('refuses plain, missing challenges and other response types with a redirect carrying the error', async () => {
    const server = start();
    const { challenge } = pkce();
    const cases: Array<[Record<string, string>, string]> = [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'admin' }, 'invalid_scope'],
      [{ prompt: 'none' }, 'login_required'],
    ];
    for (const [change, error] of cases) {
      const { response, query } = await authorizeAt(ORIGIN, request(challenge, change));
      expect(response.status, error).toBe(302);
      expect(Object.fromEntries(query ?? []), error).toMatchObject({ error, state: 'st-1', iss: ORIGIN });
      expect(query?.has('code')).toBe(false);
    }
    const { response, query } = await authorizeAt(ORIGIN, { ...request(challenge), code_challenge_method: '' });
    expect(query?.get('error')).toBe('invalid_request');
    expect(response.status).toBe(302);
    expect(server.counters.authorizations).toBe(0);
  });

  it('never redirects to an unregistered redirect URI or for an unknown client (§4.1.2.1)', async () => {
    start({ clients: [{ clientId: 'spa', redirectUris: ['https://spa.test/cb'] }] });
    const { challenge } = pkce();
    for (const change of [{ client_id: 'spa', redirect_uri: 'https://spa.test/cb?x=1' }, { client_id: 'nobody' }, { client_id: 'spa' }]) {
      const { response, location } = await authorizeAt(ORIGIN, request(challenge, change));
      expect(response.status).toBe(400);
      expect(location).toBeNull();
    }
    const ok = await authorizeAt(ORIGIN, request(challenge, { client_id: 'spa', redirect_uri: 'https://spa.test/cb' }));
    expect(ok.location?.startsWith('https://spa.test/cb?code=')).toBe(true);
  });

  it('login_hint picks the user; an injected fault answers with its error, or holds the answer', async () => {
    const server = start({ users: [{ username: 'ada', password: 'x' }, { username: 'grace', password: 'y', claims: { name: 'Grace' } }] });
    const { verifier, challenge } = pkce();
    const { query } = await authorizeAt(ORIGIN, request(challenge, { login_hint: 'grace' }));
    const { body } = await exchange(ORIGIN, { code: query?.get('code') ?? '', code_verifier: verifier });
    expect(claimsOf(String(body['id_token']))).toMatchObject({ sub: 'grace', name: 'Grace' });

    server.inject('authorize', { type: 'oauth-error', error: 'access_denied' });
    const denied = await authorizeAt(ORIGIN, request(challenge));
    expect(Object.fromEntries(denied.query ?? [])).toMatchObject({ error: 'access_denied', state: 'st-1', iss: ORIGIN });
    expect(denied.query?.has('code')).toBe(false);
    expect(server.counters.authorizations).toBe(1);
  });

  it('serves the same metadata at both well-known paths (RFC 8414, OpenID Connect Discovery)', async () => {
    start();
    const oidc = (await (await fetch(`${ORIGIN}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const rfc8414 = (await (await fetch(`${ORIGIN}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(oidc).toEqual(rfc8414);
    expect(oidc).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/oauth/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      revocation_endpoint: `${ORIGIN}/oauth/revoke`,
      end_session_endpoint: `${ORIGIN}/oauth/logout`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      // RFC 9449 §5.1: the DPoP algorithms the server verifies.
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    });
  });

  it('end-session endpoint: checks the hint and the registered post-logout URI, returns the state', async () => {
    const server = start();
    const { verifier, challenge } = pkce();
    const { query } = await authorizeAt(ORIGIN, request(challenge));
    const { body } = await exchange(ORIGIN, { code: query?.get('code') ?? '', code_verifier: verifier });
    const idToken = String(body['id_token']);
    const end = (fields: Record<string, string>) => fetch(`${ORIGIN}/oauth/logout?${new URLSearchParams(fields)}`, { redirect: 'manual' });
    const ok = await end({ id_token_hint: idToken, post_logout_redirect_uri: 'http://app.test/', state: 'bye' });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('http://app.test/?state=bye');
    expect((await end({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.test/' })).status).toBe(400);
    expect((await end({ id_token_hint: `${idToken}x`, post_logout_redirect_uri: 'http://app.test/' })).status).toBe(400);
    expect((await end({})).status).toBe(200);
    expect(server.counters.endSessions).toBe(4);
  });
});
