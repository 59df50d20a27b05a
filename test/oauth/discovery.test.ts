import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { codeFlow, isConfigError } from '../../src';
import { inspectableStore, REDIRECT, setupCodeFlow } from './support';

const t = setupCodeFlow();
const HOST = 'https://idp.test';

const metadataOf = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer.replace(/\/$/, '')}/authorize`,
  token_endpoint: `${issuer.replace(/\/$/, '')}/token`,
  ...extra,
});

const flowFor = (issuer: string) => codeFlow(t.client(), { issuer, redirectUri: REDIRECT, store: inspectableStore() });
const wellKnown = () => t.sent.filter((s) => s.url.includes('/.well-known/')).map((s) => s.url);
const failure = (promise: Promise<unknown>) => promise.then(() => new Error('resolved'), (error: unknown) => error);

describe('discovery against providers shaped like the big ones', () => {
  it('Keycloak: an issuer with a path finds <issuer>/.well-known/openid-configuration', async () => {
    t.start();
    const issuer = `${HOST}/realms/acme`;
    t.env.msw.use(http.get(`${issuer}/.well-known/openid-configuration`, () => HttpResponse.json(metadataOf(issuer))));
    await expect(flowFor(issuer).authorizationUrl()).resolves.toMatch(`${issuer}/authorize?`);
    expect(wellKnown()).toEqual([`${issuer}/.well-known/openid-configuration`]);
  });

  it('Auth0: an issuer with a trailing slash is matched exactly, well-known without a double slash', async () => {
    t.start();
    const issuer = `${HOST}/`;
    t.env.msw.use(http.get(`${HOST}/.well-known/openid-configuration`, () => HttpResponse.json(metadataOf(issuer))));
    await expect(flowFor(issuer).authorizationUrl()).resolves.toMatch(`${HOST}/authorize?`);
    expect(wellKnown()).toEqual([`${HOST}/.well-known/openid-configuration`]);
  });

  it('plain OAuth 2.0 with a path: the RFC 8414 §3.1 path-inserted location after the OpenID one is refused with any 4xx', async () => {
    t.start();
    const issuer = `${HOST}/tenant-1`;
    for (const status of [404, 400, 401, 403, 405]) {
      t.sent.length = 0;
      t.env.msw.use(
        http.get(`${issuer}/.well-known/openid-configuration`, () => HttpResponse.json({ error: 'nope' }, { status })),
        http.get(`${HOST}/.well-known/oauth-authorization-server/tenant-1`, () => HttpResponse.json(metadataOf(issuer))),
      );
      await expect(flowFor(issuer).authorizationUrl(), String(status)).resolves.toMatch(`${issuer}/authorize?`);
      expect(wellKnown()).toEqual([`${issuer}/.well-known/openid-configuration`, `${HOST}/.well-known/oauth-authorization-server/tenant-1`]);
    }
  });

  it('a 5xx or 429 is a retryable failure, not a fall-back; no metadata anywhere is a ConfigError', async () => {
    t.start();
    const issuer = `${HOST}/x`;
    t.env.msw.use(http.get(`${issuer}/.well-known/openid-configuration`, () => HttpResponse.json({}, { status: 503 })));
    expect(await failure(flowFor(issuer).authorizationUrl())).toMatchObject({ code: 'TF_LOGIN_FAILED', retryable: true });
    t.env.msw.use(
      http.get(`${issuer}/.well-known/openid-configuration`, () => HttpResponse.json({}, { status: 404 })),
      http.get(`${HOST}/.well-known/oauth-authorization-server/x`, () => HttpResponse.json({}, { status: 404 })),
    );
    expect(isConfigError(await failure(flowFor(issuer).authorizationUrl()))).toBe(true);
  });

  it('metadata for another issuer (mix-up, RFC 8414 §3.3) or with endpoints that are not http(s) URLs is refused', async () => {
    t.start();
    for (const body of [metadataOf(`${HOST}/other`), metadataOf(`${HOST}/y`, { token_endpoint: 'javascript:alert(1)' }), metadataOf(`${HOST}/y`, { end_session_endpoint: 'data:,x' })]) {
      t.env.msw.use(http.get(`${HOST}/y/.well-known/openid-configuration`, () => HttpResponse.json(body)));
      expect(isConfigError(await failure(flowFor(`${HOST}/y`).authorizationUrl()))).toBe(true);
    }
  });
});

describe('one client, several flows', () => {
  it('a flow made again (inside a React component, on every render) does not stack discovery: one fetch, the newest flow wins', async () => {
    t.start();
    const auth = t.client();
    for (let i = 0; i < 5; i++) codeFlow(auth, { issuer: 'https://auth.test', redirectUri: REDIRECT, store: inspectableStore() });
    await auth.login({ username: 'ada', password: 'lovelace' });
    await auth.refresh();
    expect(wellKnown()).toHaveLength(1);
    expect(t.sent.filter((s) => s.body.includes('grant_type=refresh_token')).map((s) => new URL(s.url).pathname)).toEqual(['/oauth/token']);
  });
});

describe('a plain OAuth 2.0 server found by its issuer', () => {
  it('gets no openid scope by default (no nonce, no ID token required); an OpenID provider does', async () => {
    const server = t.start();
    const plain = 'https://auth.test/plain';
    t.env.msw.use(
      http.get(`${plain}/.well-known/openid-configuration`, () => HttpResponse.json({}, { status: 404 })),
      http.get('https://auth.test/.well-known/oauth-authorization-server/plain', () =>
        HttpResponse.json({ ...metadataOf(plain), authorization_endpoint: 'https://auth.test/oauth/authorize', token_endpoint: 'https://auth.test/oauth/token', scopes_supported: ['read', 'write'] }),
      ),
    );
    const flow = flowFor(plain);
    const url = new URL(await flow.authorizationUrl());
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.has('scope')).toBe(false);
    const callback = new URL(await (await import('./support')).consent(url.href));
    callback.searchParams.set('iss', plain); // the reference server names its origin
    await expect(flow.complete(callback.href)).resolves.toMatchObject({ status: 'authenticated', user: null });
    expect(server.counters.codesExchanged).toBe(1);

    const oidc = new URL(await flowFor('https://auth.test').authorizationUrl());
    expect(oidc.searchParams.get('scope')).toBe('openid');
    expect(oidc.searchParams.has('nonce')).toBe(true);
  });
});
