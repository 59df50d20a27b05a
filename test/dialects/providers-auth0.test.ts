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
import { isLoginError, isSessionEndedError, memoryStorage } from '../../src';
import { jwt } from './scripted';
import { caught, expectNoSecrets, jump, record, settle, signIn, until } from './support';
import { env, KEY, AUTH0, fakeTime, random, type ProviderOptions, provider, expectEachRefreshTokenSentOnce } from './providers-support';
describe('Auth0-like server (protocol: oauth, rotation with reuse interval, 403 invalid_grant)', () => {
  const auth0 = (extra: Partial<ProviderOptions> = {}) =>
    provider({
      origin: AUTH0,
      tokenPath: '/oauth/token',
      revokePath: '/oauth/revoke',
      rotation: 'strict',
      reuseWindowMs: 0,
      rejectStatus: 403,
      jwtAccess: true,
      expiresIn: 86_400,
      extra: () => ({ id_token: jwt({ alg: 'RS256', typ: 'JWT' }, { sub: 'auth0|ada', email: 'ada@example.com', nonce: random(16) }), scope: 'openid profile offline_access read:items' }),
      ...extra,
    });
  const client = (options: Record<string, unknown> = {}) =>
    env.client({
      baseUrl: `${AUTH0}/`,
      protocol: 'oauth',
      clientId: 'auth0-spa-client',
      audience: 'https://api.example.com',
      scope: 'openid profile offline_access read:items',
      lock: false,
      channel: false,
      ...options,
    });

  it('password grant with audience, scope and client_id; id_token answered but never kept, emitted or sent', async () => {
    fakeTime();
    const p = auth0();
    const storage = memoryStorage();
    const auth = client({ storage });
    const log = record(auth);
    const session = await signIn(auth);
    const [login] = p.calls;
    expect(login?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(login?.headers['authorization']).toBeUndefined();
    expect(login?.fields).toMatchObject({
      grant_type: 'password',
      username: 'ada',
      password: 'lovelace',
      client_id: 'auth0-spa-client',
      audience: 'https://api.example.com',
      scope: 'openid profile offline_access read:items',
    });
    expect(session).toMatchObject({ status: 'authenticated', scope: 'openid profile offline_access read:items', expiresAt: Date.now() + 86_400_000 });
    expect(session.claims).toMatchObject({ sub: 'auth0|ada', aud: 'https://api.example.com' });
    await auth.http.get('api/me').json();
    await auth.refresh();
    await auth.http.get('api/me').json();
    expect(p.idTokens).toHaveLength(2);
    const blob = (await storage.getItem(KEY)) ?? '';
    expect(blob).toContain(p.lastIssuedRefresh());
    for (const idToken of p.idTokens) {
      expect(blob).not.toContain(idToken.split('.')[1]);
      expect(p.resource.bearers.some((b) => b.includes(idToken.split('.')[1] ?? ''))).toBe(false);
    }
    expect(p.resource.bearers).toEqual(p.accessTokens.map((t) => `Bearer ${t}`));
    expect(p.refreshCalls()[0]?.fields).toMatchObject({ grant_type: 'refresh_token', client_id: 'auth0-spa-client' });
    expectEachRefreshTokenSentOnce(p);
    expectNoSecrets([log.events, auth.session], [...p.issued, ...p.idTokens]);
  });

  it('a reused (stolen) refresh token answered 403 invalid_grant: terminal, one session:end, one call for 20 waiters, storage cleared', async () => {
    fakeTime();
    const p = auth0({ expiresIn: 300 });
    const storage = memoryStorage();
    const auth = client({ storage, autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    p.useElsewhere(p.lastIssuedRefresh());
    jump(301_000);
    const errors = await Promise.all(Array.from({ length: 20 }, () => caught(auth.http.get('api/me'))));
    expect(new Set(errors).size).toBe(1);
    expect(isSessionEndedError(errors[0]) && errors[0].reason).toBe('invalid_grant');
    expect(p.refreshCalls()).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toEqual([{ retryable: false, attempt: 1, code: 'TF_SESSION_ENDED', status: 403 }]);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    await settle();
    expect(await storage.getItem(KEY)).toBeNull();
    expect(auth.session.status).toBe('unauthenticated');
    // Nothing more: no timer-driven retry, no second end.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(p.refreshCalls()).toHaveLength(1);
    expect(log.of('session:end')).toHaveLength(1);
    expectNoSecrets([log.events, errors], p.issued);
  });

  it('rotation with a reuse interval: a refresh that rotated but whose answer was lost is resent once, the session goes on', async () => {
    fakeTime();
    const p = auth0({ expiresIn: 300, reuseWindowMs: 60_000 });
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    p.script(() => 'drop-after-processing');
    await until(auth.refresh());
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toEqual({ ok: true });
    expect(p.refreshCalls().map((c) => c.outcome)).toEqual(['dropped', 'issued', 'issued']);
    expect(log.of('session:refresh')).toHaveLength(2);
    expect(log.of('session:end')).toEqual([]);
    expectEachRefreshTokenSentOnce(p);
  });

  it.each([
    ['Retry-After: 12', { 'retry-after': '12' }, 12_000],
    ['Retry-After and x-ratelimit-reset', { 'retry-after': '12', 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0' }, 12_000],
    ['only x-ratelimit-reset', { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0' }, 12_000],
  ])('429 too_many_requests (%s): transient, tokens kept, Retry-After honoured, recovers by itself', async (_name, headers, floor) => {
    fakeTime();
    const p = auth0({ expiresIn: 300 });
    const storage = memoryStorage();
    const auth = client({ storage });
    const log = record(auth);
    await signIn(auth);
    const before = await storage.getItem(KEY);
    // Auth0 sends the reset as Unix seconds: 12 s after the call.
    const reset = () => String(Math.ceil(Date.now() / 1000) + 12);
    p.script(() =>
      HttpResponse.json(
        { error: 'too_many_requests', error_description: 'Global limit has been reached' },
        { status: 429, headers: { ...headers, ...('x-ratelimit-limit' in headers ? { 'x-ratelimit-reset': reset() } : {}) } },
      ),
    );
    // The background timer refreshes 30 s before expiry (max(30 s, 10 %)).
    await vi.advanceTimersByTimeAsync(270_000);
    await settle();
    expect(p.refreshCalls()).toHaveLength(1);
    const [failed] = log.of('session:refresh-failed');
    expect(failed).toMatchObject({ retryable: true, attempt: 1, status: 429 });
    expect((failed?.nextAttemptAt ?? 0) - Date.now()).toBeGreaterThanOrEqual(floor);
    expect(await storage.getItem(KEY)).toBe(before);
    expect(auth.session.status).toBe('authenticated');
    // The token is still valid: requests go out with it meanwhile.
    await expect(auth.http.get('api/me').json()).resolves.toEqual({ ok: true });
    expect(p.refreshCalls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(Math.max(floor, 1_000) + 1_010);
    await settle();
    expect(p.refreshCalls()).toHaveLength(2);
    expect((p.refreshCalls()[1]?.at ?? 0) - (p.refreshCalls()[0]?.at ?? 0)).toBeGreaterThanOrEqual(floor);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(log.of('session:end')).toEqual([]);
    expectEachRefreshTokenSentOnce(p);
  });

  it('wrong password answered 403 invalid_grant: LoginError with the reason, not retryable, no session', async () => {
    fakeTime();
    auth0();
    const auth = client();
    const log = record(auth);
    const error = await caught(auth.login({ username: 'ada', password: 'nope' }));
    expect(isLoginError(error) && error).toMatchObject({ reason: 'invalid_grant', retryable: false, status: 403 });
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
