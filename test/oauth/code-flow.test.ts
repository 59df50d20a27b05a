import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { codeFlow, isConfigError } from '../../src';
import { record } from '../client/support';
import { consent, inspectableStore, ISSUER, REDIRECT, setupCodeFlow, waitFor } from './support';

const t = setupCodeFlow();

describe('authorization code flow with PKCE against the reference server', () => {
  it('redirect, callback, exchange, session with the user claims; refresh at the discovered endpoint; RP-initiated logout', async () => {
    const server = t.start({ users: [{ username: 'ada', password: 'x', claims: { name: 'Ada' } }] });
    const auth = t.client();
    const log = record(auth);
    const { flow, store, navigated } = t.flow(auth);
    await flow.redirect({ login_hint: 'ada' });
    expect(navigated).toHaveLength(1);
    const callback = await consent(navigated[0] ?? '');
    expect(flow.isCallback(callback)).toBe(true);
    const session = await flow.complete(callback);
    expect(session).toMatchObject({ status: 'authenticated', scope: 'openid read', user: { sub: 'ada', name: 'Ada', iss: ISSUER, aud: 'tokenflight' } });
    expect(log.of('session:start')).toEqual([{ generation: 1, expiresAt: expect.any(Number), source: 'login' }]);
    expect(store.map.size).toBe(0); // the verifier and state lived only for the round trip
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });

    // Discovery: fetched once (OpenID Connect well-known path); the exchange went to its token endpoint.
    expect(t.sent.filter((s) => s.url.includes('/.well-known/')).map((s) => s.url)).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
    const exchange = new URLSearchParams(t.sent.find((s) => s.body.includes('authorization_code'))?.body);
    expect([...exchange.keys()].sort()).toEqual(['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
    expect(exchange.get('redirect_uri')).toBe(REDIRECT);
    const verifier = exchange.get('code_verifier') ?? '';
    expect(verifier.length).toBeGreaterThanOrEqual(43);
    const challenge = new URL(navigated[0] ?? '').searchParams.get('code_challenge');
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);

    await auth.refresh();
    expect(server.counters).toMatchObject({ authorizations: 1, codesExchanged: 1, refreshCalls: 1, pkceFailures: 0, codeReuse: 0 });
    expect(auth.session.user).toMatchObject({ sub: 'ada' }); // kept across refreshes

    const { revocation, endSessionUrl } = await flow.logout({ postLogoutRedirectUri: 'http://app.test/', state: 'bye' });
    await expect(revocation).resolves.toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    expect(navigated[1]).toBe(endSessionUrl);
    const end = new URL(endSessionUrl ?? '');
    expect(end.origin + end.pathname).toBe(`${ISSUER}/oauth/logout`);
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(Object.fromEntries(end.searchParams)).toMatchObject({ client_id: 'tokenflight', post_logout_redirect_uri: 'http://app.test/', state: 'bye' });
    const back = await fetch(endSessionUrl ?? '', { redirect: 'manual' });
    expect(back.headers.get('location')).toBe('http://app.test/?state=bye');
    expect(server.counters).toMatchObject({ revocations: 1, endSessions: 1 });
    // Never a code, verifier or ID token in an event.
    const events = JSON.stringify(log.events);
    expect(events).not.toContain(verifier);
    expect(events).not.toContain(exchange.get('code') ?? '');
    expect(events).not.toContain(end.searchParams.get('id_token_hint') ?? '');
  });

  it('builds the authorization request: S256, state, nonce, and the pass-through parameters', async () => {
    t.start();
    const { flow, store } = t.flow(t.client(), { params: { audience: 'api' } });
    const url = new URL(await flow.authorizationUrl({ prompt: 'login', login_hint: 'ada', acr_values: 'mfa', max_age: 0, ui_locales: 'fr', resource: ['https://a.test/', 'https://b.test/'], custom: 'x' }));
    const q = url.searchParams;
    expect(url.origin + url.pathname).toBe(`${ISSUER}/oauth/authorize`);
    expect(Object.fromEntries(q)).toMatchObject({
      response_type: 'code',
      client_id: 'tokenflight',
      redirect_uri: REDIRECT,
      scope: 'openid read',
      code_challenge_method: 'S256',
      prompt: 'login',
      login_hint: 'ada',
      acr_values: 'mfa',
      max_age: '0',
      ui_locales: 'fr',
      custom: 'x',
      audience: 'api',
    });
    expect(q.getAll('resource')).toEqual(['https://a.test/', 'https://b.test/']);
    for (const name of ['state', 'nonce', 'code_challenge']) expect(q.get(name), name).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify([...store.map])).not.toContain(q.get('code_challenge'));
    await expect(flow.authorizationUrl({ state: 'mine' })).rejects.toSatisfy(isConfigError);
    // Without openid: no nonce.
    expect(new URL(await flow.authorizationUrl({ scope: 'read' })).searchParams.has('nonce')).toBe(false);
  });

  it('the browser helper completes from the address bar and removes the query from it (history.replaceState)', async () => {
    t.start();
    const auth = t.client();
    const { flow, navigated } = t.flow(auth);
    await flow.redirect();
    const callback = await consent(navigated[0] ?? '');
    const replaced: string[] = [];
    vi.stubGlobal('location', { href: `${callback}#/inbox`, assign: () => undefined });
    vi.stubGlobal('history', { state: null, replaceState: (_: unknown, __: string, url: string) => replaced.push(url) });
    try {
      expect(flow.isCallback()).toBe(true);
      await flow.complete();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(replaced).toEqual(['/callback#/inbox']);
    expect(auth.session.status).toBe('authenticated');
  });

  it('explicit endpoints work without discovery; without openid no ID token is needed', async () => {
    const server = t.start();
    const auth = t.client();
    const flow = codeFlow(auth, { authorizationEndpoint: `${ISSUER}/oauth/authorize`, redirectUri: REDIRECT, scope: 'read', store: inspectableStore() });
    const session = await flow.complete(await consent(await flow.authorizationUrl()));
    expect(session).toMatchObject({ status: 'authenticated', user: null, scope: 'read' });
    expect(t.sent.some((s) => s.url.includes('/.well-known/'))).toBe(false);
    expect(await flow.endSessionUrl()).toBeNull();
    expect(server.counters.codesExchanged).toBe(1);
  });

  it('a code flow replaces a session already present (replaced, its refresh token revoked)', async () => {
    const server = t.start();
    const auth = t.client();
    await auth.login({ username: 'ada', password: 'lovelace' });
    const log = record(auth);
    const { flow } = t.flow(auth);
    await flow.complete(await consent(await flow.authorizationUrl()));
    expect(log.of('session:end')).toEqual([{ reason: 'replaced', origin: 'local' }]);
    await waitFor(() => server.counters.revocations === 1);
  });

  it('needs protocol oauth and a clientId', () => {
    t.start();
    expect(() => codeFlow(t.env.client(), { issuer: ISSUER, redirectUri: REDIRECT })).toThrow(/protocol: 'oauth'/);
    expect(() => codeFlow(t.client(), { redirectUri: REDIRECT })).toThrow(/issuer/);
  });
});
