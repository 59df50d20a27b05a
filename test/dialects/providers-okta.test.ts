/**
 * Scripted servers that behave like Auth0, Okta, Supabase (GoTrue) and a plain
 * RFC 6749 server. Each fake keeps its own refresh-token records (rotation, reuse interval / grace
 * period, reuse detection) and answers the way that provider does; every test checks the DESIGN
 * invariants that apply: a refresh token is sent at most once (one resend after no response),
 * terminal vs transient, no token in errors or events, exactly one session:end, requests in flight
 * survive a refresh.
 */
import { HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isLoginError, isSessionEndedError } from '../../src';
import { jwt } from './scripted';
import { caught, expectNoSecrets, record, settle, signIn, until } from './support';
import { env, OKTA, fakeTime, random, type ProviderOptions, provider, expectEachRefreshTokenSentOnce } from './providers-support';
describe('Okta-like server (opaque tokens, 400 invalid_grant, 401 invalid_client, grace period)', () => {
  const okta = (extra: Partial<ProviderOptions> = {}) =>
    provider({
      origin: OKTA,
      tokenPath: '/oauth2/default/v1/token',
      revokePath: '/oauth2/default/v1/revoke',
      rotation: 'strict',
      reuseWindowMs: 30_000,
      rejectStatus: 400,
      expiresIn: 3600,
      extra: () => ({ scope: 'offline_access openid', id_token: jwt({ alg: 'RS256' }, { sub: '00u1', nonce: random(16) }) }),
      ...extra,
    });
  const client = (options: Record<string, unknown> = {}) =>
    env.client({
      baseUrl: `${OKTA}/`,
      protocol: 'oauth',
      clientId: '0oa1okta',
      scope: 'offline_access openid',
      endpoints: { login: 'oauth2/default/v1/token', refresh: 'oauth2/default/v1/token', logout: 'oauth2/default/v1/revoke' },
      ...options,
    });

  it('opaque access token, expires_in 3600: no claims, refreshed ahead (at 3240 s), rotated token used next, in-flight requests survive', async () => {
    fakeTime();
    const p = okta();
    const auth = client();
    const log = record(auth);
    const session = await signIn(auth);
    expect(session).toMatchObject({ claims: null, expiresAt: Date.now() + 3_600_000, scope: 'offline_access openid' });
    await vi.advanceTimersByTimeAsync(3_239_000);
    await settle();
    expect(p.refreshCalls()).toHaveLength(0);
    // A request in flight while the timer refresh runs.
    const releaseResource = p.holdResource();
    const inflight = auth.http.get('api/me').json();
    await settle();
    const releaseToken = p.holdToken();
    await vi.advanceTimersByTimeAsync(1_001);
    await settle();
    expect(p.refreshCalls()).toHaveLength(1);
    releaseToken();
    await settle();
    releaseResource();
    await expect(inflight).resolves.toEqual({ ok: true });
    expect(log.of('session:refresh')).toHaveLength(1);
    // Next lifetime: the rotated refresh token is presented.
    await vi.advanceTimersByTimeAsync(3_600_000);
    await settle();
    expect(p.refreshCalls()).toHaveLength(2);
    expect(p.refreshCalls()[1]?.fields['refresh_token']).not.toBe(p.refreshCalls()[0]?.fields['refresh_token']);
    expect(log.of('session:end')).toEqual([]);
    expectEachRefreshTokenSentOnce(p);
    expectNoSecrets([log.events], p.issued);
  });

  it('400 invalid_grant (expired or revoked refresh token) ends the session once, with the code', async () => {
    fakeTime();
    const p = okta();
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    p.script(() => HttpResponse.json({ error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' }, { status: 400 }));
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error).toMatchObject({ reason: 'invalid_grant', status: 400 });
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'TF_NOT_AUTHENTICATED' });
    expect(p.refreshCalls()).toHaveLength(1);
  });

  it('401 invalid_client (Basic challenge) on the token endpoint: terminal for refresh, non-retryable LoginError for login', async () => {
    fakeTime();
    const p = okta();
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    const invalidClient = () =>
      HttpResponse.json({ error: 'invalid_client', error_description: 'Client authentication failed.' }, { status: 401, headers: { 'www-authenticate': 'Basic realm="Okta"' } });
    p.script(invalidClient, invalidClient);
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error).toMatchObject({ reason: 'invalid_client', status: 401 });
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_client', origin: 'local' }]);
    const login = await caught(signIn(auth));
    expect(isLoginError(login) && login).toMatchObject({ reason: 'invalid_client', retryable: false, status: 401 });
    expect(log.of('session:end')).toHaveLength(1);
  });

  it('logout revokes the current (rotated) refresh token per RFC 7009, form-encoded, without a Bearer; local logout at once', async () => {
    fakeTime();
    const p = okta();
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    await auth.refresh();
    const { revocation } = await auth.logout();
    expect(auth.session.status).toBe('unauthenticated');
    await expect(revocation).resolves.toBe(true);
    expect(p.revocations).toHaveLength(1);
    expect(p.revocations[0]?.fields).toEqual({ token: p.lastIssuedRefresh(), token_type_hint: 'refresh_token', client_id: '0oa1okta' });
    expect(p.revocations[0]?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(p.revocations[0]?.headers['authorization']).toBeUndefined();
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    // The family is gone at the server: nothing can be refreshed with it any more.
    expect(p.refreshCalls()).toHaveLength(1);
  });

  it('a timed-out refresh is resent once within the grace period, then the session continues', async () => {
    fakeTime();
    const p = okta({ reuseWindowMs: 30_000 });
    const auth = client({ autoRefresh: false, timeout: 5_000 });
    await signIn(auth);
    const release = p.holdToken();
    const done = until(caught(auth.refresh()));
    // The first call is held past the client's timeout; the server still processes it afterwards.
    const first = await done;
    release();
    await settle();
    expect(first).toBeUndefined();
    expect(p.refreshCalls()).toHaveLength(2);
    expect(p.refreshCalls()[0]?.fields['refresh_token']).toBe(p.refreshCalls()[1]?.fields['refresh_token']);
    expect(auth.session.status).toBe('authenticated');
  });
});

// ---------------------------------------------------------------------------------------------
