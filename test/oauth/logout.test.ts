import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { codeFlow } from '../../src';
import { consent, inspectableStore, ISSUER, REDIRECT, setupCodeFlow } from './support';

const t = setupCodeFlow();

describe('RP-initiated logout (OpenID RP-Initiated Logout 1.0)', () => {
  it('a provider without end_session_endpoint: logout is local (and revokes), endSessionUrl is null, the browser stays', async () => {
    const server = t.start();
    t.env.msw.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, async ({ request }) => {
        const { end_session_endpoint: _dropped, ...rest } = (await (await server.handle(request)).json()) as Record<string, unknown>;
        return HttpResponse.json(rest);
      }),
    );
    const auth = t.client();
    const { flow, navigated } = t.flow(auth);
    await flow.complete(await consent(await flow.authorizationUrl()));
    expect(await flow.endSessionUrl()).toBeNull();
    const { revocation, endSessionUrl } = await flow.logout({ postLogoutRedirectUri: 'http://app.test/' });
    await expect(revocation).resolves.toBe(true);
    expect(endSessionUrl).toBeNull();
    expect(navigated).toEqual([]);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('keeps a query the end-session endpoint already has, and never sends a hint of an ended session', async () => {
    t.start();
    const auth = t.client();
    const flow = codeFlow(auth, { authorizationEndpoint: `${ISSUER}/oauth/authorize`, endSessionEndpoint: `${ISSUER}/logout?tenant=acme`, redirectUri: REDIRECT, scope: 'read', store: inspectableStore() });
    const url = new URL((await flow.endSessionUrl({ state: 's' })) ?? '');
    expect(Object.fromEntries(url.searchParams)).toEqual({ tenant: 'acme', client_id: 'tokenflight', state: 's' });
  });

  it('a discovery failure at logout still signs out locally, with no end-session URL', async () => {
    t.start();
    const auth = t.client();
    const { flow } = t.flow(auth);
    await flow.complete(await consent(await flow.authorizationUrl()));
    const other = codeFlow(auth, { issuer: 'https://down.test', redirectUri: REDIRECT, store: inspectableStore() });
    t.env.msw.use(http.get('https://down.test/.well-known/openid-configuration', () => HttpResponse.error()));
    const { endSessionUrl } = await other.logout();
    expect(endSessionUrl).toBeNull();
    expect(auth.session.status).toBe('unauthenticated');
  });
});
