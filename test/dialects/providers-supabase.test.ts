/**
 * Scripted servers that behave like Auth0, Okta, Supabase (GoTrue) and a plain
 * RFC 6749 server. Each fake keeps its own refresh-token records (rotation, reuse interval / grace
 * period, reuse detection) and answers the way that provider does; every test checks the DESIGN
 * invariants that apply: a refresh token is sent at most once (one resend after no response),
 * terminal vs transient, no token in errors or events, exactly one session:end, requests in flight
 * survive a refresh.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isLoginError, isRefreshError, isSessionEndedError } from '../../src';
import { createSupabaseAuth } from '../../examples/snippets/supabase';
import { caught, expectNoSecrets, record, settle } from './support';
import { env, SUPABASE, ANON, fakeTime, type ProviderOptions, provider, expectEachRefreshTokenSentOnce, extraClients } from './providers-support';
describe('Supabase (GoTrue) server through the README recipe', () => {
  const gotrue = (extra: Partial<ProviderOptions> = {}) => {
    const p = provider({
      origin: SUPABASE,
      tokenPath: '/auth/v1/token',
      gotrue: true,
      rotation: 'strict',
      reuseWindowMs: 10_000,
      rejectStatus: 400,
      jwtAccess: true,
      expiresIn: 3600,
      extra: () => ({ expires_at: Math.floor(Date.now() / 1000) + 3600, user: { id: 'u1', email: 'ada@example.com', aud: 'authenticated' } }),
      ...extra,
    });
    // The REST API also wants the apikey.
    env.msw.use(
      http.get(`${SUPABASE}/rest/v1/todos`, async ({ request }) => {
        if (request.headers.get('apikey') !== ANON) return HttpResponse.json({ message: 'No API key found in request' }, { status: 401 });
        return p.accepts(request.headers.get('authorization')) ? HttpResponse.json([{ id: 1 }]) : HttpResponse.json({ code: 'PGRST301', message: 'JWT expired' }, { status: 401 });
      }),
    );
    return p;
  };
  const recipe = () => {
    const auth = createSupabaseAuth(SUPABASE, ANON);
    extraClients.push(auth);
    return auth;
  };

  it('login, expires_at + user in the answer, refresh ahead of expiry: JSON {refresh_token}, grant in the query, apikey on every token call', async () => {
    fakeTime();
    const p = gotrue();
    const auth = recipe();
    const log = record(auth);
    const session = await auth.login({ email: 'ada@example.com', password: 'lovelace' });
    expect(session.expiresAt).toBe(Date.now() + 3_600_000);
    await expect(auth.http.get('todos').json()).resolves.toEqual([{ id: 1 }]);
    await vi.advanceTimersByTimeAsync(3_240_001);
    await settle();
    expect(p.refreshCalls()).toHaveLength(1);
    const [refresh] = p.refreshCalls();
    expect(new URL(refresh?.url ?? '').searchParams.get('grant_type')).toBe('refresh_token');
    expect(refresh?.headers['content-type']).toMatch(/json/);
    expect(Object.keys(refresh?.fields ?? {})).toEqual(['refresh_token']);
    expect(p.calls.every((c) => c.headers['apikey'] === ANON && c.headers['authorization'] === undefined)).toBe(true);
    await expect(auth.http.get('todos').json()).resolves.toEqual([{ id: 1 }]);
    expect(log.of('session:refresh')).toHaveLength(1);
    expectEachRefreshTokenSentOnce(p);
    expectNoSecrets([log.events], p.issued);
  });

  it('login with wrong credentials (400 invalid_credentials): LoginError with that reason, not retryable', async () => {
    fakeTime();
    gotrue();
    const auth = recipe();
    const error = await caught(auth.login({ email: 'ada@example.com', password: 'wrong' }));
    expect(isLoginError(error) && error).toMatchObject({ reason: 'invalid_credentials', retryable: false, status: 400 });
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('400 refresh_token_already_used ends the session once for every waiter; 429 over_request_rate_limit does not', async () => {
    fakeTime();
    const p = gotrue();
    const auth = recipe();
    const log = record(auth);
    await auth.login({ email: 'ada@example.com', password: 'lovelace' });
    p.script(() => HttpResponse.json({ code: 429, error_code: 'over_request_rate_limit', msg: 'Request rate limit reached' }, { status: 429, headers: { 'retry-after': '5' } }));
    p.expireAccessTokens();
    const limited = await caught(auth.http.get('todos'));
    expect(isRefreshError(limited)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
    expect(log.of('session:end')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_001);
    await settle();
    expect(p.refreshCalls()).toHaveLength(2);
    expect(log.of('session:refresh')).toHaveLength(1);
    p.useElsewhere(p.lastIssuedRefresh());
    p.expireAccessTokens();
    const errors = await Promise.all(Array.from({ length: 10 }, () => caught(auth.http.get('todos'))));
    // Every request gets the same SessionEndedError: those that waited for the refresh, and those
    // whose 401 only came back after the session had ended.
    expect(new Set(errors).size).toBe(1);
    expect(isSessionEndedError(errors[0]) && errors[0].reason).toBe('refresh_token_already_used');
    expect(log.of('session:end')).toEqual([{ reason: 'refresh_token_already_used', origin: 'local' }]);
    expect(p.refreshCalls()).toHaveLength(3);
    expectEachRefreshTokenSentOnce(p);
    expectNoSecrets([log.events, errors], p.issued);
  });
});
