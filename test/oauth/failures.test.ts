import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { codeFlow, isConfigError, isLoginError } from '../../src';
import { record } from '../client/support';
import { consent, inspectableStore, ISSUER, REDIRECT, setupCodeFlow, unsignedJwt, waitFor } from './support';

const t = setupCodeFlow();

/** A fresh authorization answered by the reference server: the flow, its callback URL, its store. */
async function authorized(options: Parameters<typeof t.flow>[1] = {}) {
  const auth = t.client();
  const { flow, store } = t.flow(auth, options);
  const callback = await consent(await flow.authorizationUrl());
  return { auth, flow, store, callback };
}

const edit = (callback: string, change: (q: URLSearchParams) => void) => {
  const url = new URL(callback);
  change(url.searchParams);
  return url.href;
};

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('resolved'), (error: unknown) => error);

describe('code flow failures', () => {
  it('wrong, missing or reused state: refused before any exchange', async () => {
    const server = t.start();
    const { auth, flow, callback } = await authorized();
    const log = record(auth);
    for (const tampered of [edit(callback, (q) => q.set('state', 'forged')), edit(callback, (q) => q.delete('state'))]) {
      expect(await failure(flow.complete(tampered))).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'invalid_state' });
    }
    await flow.complete(callback);
    // Single use: the same callback again (back button, a replayed URL).
    const again = await failure(flow.complete(callback));
    expect(again).toMatchObject({ reason: 'invalid_state' });
    expect(String((again as Error).message)).not.toContain(new URL(callback).searchParams.get('code'));
    expect(server.counters).toMatchObject({ codesExchanged: 1, codeReuse: 0 });
    expect(log.of('session:start')).toHaveLength(1);
  });

  it('a callback opened in a second tab, or after the verifier was lost (reload in another tab), is refused', async () => {
    const server = t.start();
    const { callback, store } = await authorized();
    const otherTab = codeFlow(t.client(), { issuer: ISSUER, redirectUri: REDIRECT, store: inspectableStore() });
    expect(await failure(otherTab.complete(callback))).toMatchObject({ reason: 'invalid_state' });
    const lost = await authorized();
    lost.store.map.clear();
    expect(await failure(lost.flow.complete(lost.callback))).toMatchObject({ reason: 'invalid_state' });
    expect(store.map.size).toBe(1); // the first tab's request is untouched and can still finish
    expect(server.counters.codesExchanged).toBe(0);
  });

  it('an expired request (older than maxAge) is refused', async () => {
    t.start();
    const { flow, callback } = await authorized({ maxAge: 1_000 });
    const { vi } = await import('vitest');
    vi.setSystemTime(Date.now() + 2_000);
    expect(await failure(flow.complete(callback))).toMatchObject({ reason: 'invalid_state' });
  });

  it('a reused code is refused by the server, which revokes what it issued', async () => {
    const server = t.start();
    const first = await authorized();
    await first.flow.complete(first.callback);
    const code = new URL(first.callback).searchParams.get('code') ?? '';
    // An attacker's replay of the code inside another, valid round trip.
    const second = await authorized();
    const replay = edit(second.callback, (q) => q.set('code', code));
    const error = await failure(second.flow.complete(replay));
    expect(error).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'invalid_grant', status: 400 });
    expect(String((error as Error).message)).not.toContain(code);
    expect(server.counters).toMatchObject({ codeReuse: 1, codesExchanged: 1 });
    // The first session's refresh token was revoked with it.
    expect(await failure(first.auth.refresh())).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'invalid_grant' });
  });

  it('a wrong verifier: invalid_grant, counted as a PKCE failure', async () => {
    const server = t.start();
    const { flow, store, callback } = await authorized();
    for (const [key, value] of store.map) store.map.set(key, value.replace(/"verifier":"[^"]+"/, `"verifier":"${'x'.repeat(43)}"`));
    expect(await failure(flow.complete(callback))).toMatchObject({ reason: 'invalid_grant' });
    expect(server.counters).toMatchObject({ pkceFailures: 1, codesExchanged: 0 });
  });

  it('provider errors become typed LoginErrors with the OAuth code', async () => {
    const server = t.start();
    for (const error of ['access_denied', 'login_required', 'temporarily_unavailable']) {
      server.inject('authorize', { type: 'oauth-error', error });
      const { auth, flow, callback } = await authorized();
      const thrown = await failure(flow.complete(callback));
      expect(isLoginError(thrown)).toBe(true);
      expect(thrown).toMatchObject({ reason: error, retryable: error === 'temporarily_unavailable' });
      expect(auth.session.status).toBe('unauthenticated');
    }
    expect(server.counters.codesExchanged).toBe(0);
  });

  it('an iss that differs, or is missing although advertised (RFC 9207), is refused before the exchange', async () => {
    const server = t.start();
    for (const change of [(q: URLSearchParams) => q.set('iss', 'https://evil.test'), (q: URLSearchParams) => q.delete('iss')]) {
      const { flow, callback } = await authorized();
      expect(await failure(flow.complete(edit(callback, change)))).toMatchObject({ reason: 'iss_mismatch' });
    }
    expect(server.counters.codesExchanged).toBe(0);
  });

  it('discovery: an issuer mismatch, or a provider without S256, is a ConfigError; an unreachable one a retryable LoginError', async () => {
    t.start();
    const mismatch = codeFlow(t.client(), { issuer: `${ISSUER}/`, redirectUri: REDIRECT, store: inspectableStore() });
    const thrown = await failure(mismatch.authorizationUrl());
    expect(isConfigError(thrown)).toBe(true);
    expect(String((thrown as Error).message)).toMatch(/issuer/);

    t.env.msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.json({ issuer: ISSUER, authorization_endpoint: `${ISSUER}/a`, token_endpoint: `${ISSUER}/t`, code_challenge_methods_supported: ['plain'] })));
    const plain = codeFlow(t.client(), { issuer: ISSUER, redirectUri: REDIRECT, store: inspectableStore() });
    expect(await failure(plain.authorizationUrl())).toMatchObject({ code: 'TF_CONFIG', message: expect.stringMatching(/S256/) });

    t.env.msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.error()));
    const down = codeFlow(t.client(), { issuer: ISSUER, redirectUri: REDIRECT, store: inspectableStore() });
    expect(await failure(down.authorizationUrl())).toMatchObject({ code: 'TF_LOGIN_FAILED', retryable: true });
    t.env.msw.resetHandlers();
    t.start();
    await expect(down.authorizationUrl()).resolves.toMatch(/^https:\/\/auth\.test\/oauth\/authorize\?/); // retried, not cached
  });

  it('falls back to the RFC 8414 well-known path when the OpenID one is missing', async () => {
    t.start();
    t.env.msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.json({}, { status: 404 })));
    const { flow } = t.flow(t.client());
    await expect(flow.authorizationUrl()).resolves.toMatch(/oauth\/authorize/);
    expect(t.sent.filter((s) => s.url.includes('.well-known')).map((s) => new URL(s.url).pathname)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]);
  });

  it('ID token claims: wrong iss, aud, azp, nonce, expired, future iat or missing are refused (OIDC Core §3.1.3.7)', async () => {
    const server = t.start();
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: ISSUER, sub: 'ada', aud: 'tokenflight', exp: now + 300, iat: now };
    const cases: Array<[string, (nonce: string) => Record<string, unknown> | null]> = [
      ['iss', (nonce) => ({ ...good, nonce, iss: 'https://evil.test' })],
      ['aud', (nonce) => ({ ...good, nonce, aud: 'someone-else' })],
      ['azp', (nonce) => ({ ...good, nonce, aud: ['tokenflight', 'other'] })],
      ['nonce', () => ({ ...good, nonce: 'replayed' })],
      ['exp', (nonce) => ({ ...good, nonce, exp: now - 3600 })],
      ['iat', (nonce) => ({ ...good, nonce, iat: now + 3600 })],
      ['missing', () => null],
    ];
    for (const [what, claims] of cases) {
      let nonce = '';
      t.env.msw.use(
        http.post(`${ISSUER}/oauth/token`, async ({ request }) => {
          const body = (await (await server.handle(request)).json()) as Record<string, unknown>;
          const made = claims(nonce);
          const { id_token: _dropped, ...rest } = body;
          return HttpResponse.json(made === null ? rest : { ...rest, id_token: unsignedJwt(made) });
        }),
      );
      const auth = t.client();
      const { flow } = t.flow(auth);
      const url = await flow.authorizationUrl();
      nonce = new URL(url).searchParams.get('nonce') ?? '';
      const thrown = await failure(flow.complete(await consent(url)));
      expect(thrown, what).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'invalid_id_token' });
      expect(auth.session.status, what).toBe('unauthenticated');
    }
  });

  it('a logout during the exchange wins: the late answer never lands and what it minted is revoked', async () => {
    const server = t.start();
    const { auth, flow, callback } = await authorized();
    const log = record(auth);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    t.env.msw.use(http.post(`${ISSUER}/oauth/token`, async ({ request }) => (await gate, server.handle(request))));
    const completing = failure(flow.complete(callback));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await auth.logout();
    release();
    expect(await completing).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'logout' });
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:start')).toEqual([]);
    await waitFor(() => server.counters.revocations === 1);
  });
});
