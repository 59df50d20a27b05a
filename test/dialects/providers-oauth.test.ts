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
import { isRefreshError, isSessionEndedError, memoryStorage } from '../../src';

import { caught, expectNoSecrets, jump, record, settle, signIn, until } from './support';
import { env, KEY, PLAIN, fakeTime, type ProviderOptions, provider, expectEachRefreshTokenSentOnce } from './providers-support';
describe('plain OAuth 2.0 server (RFC 6749 §5.1, §5.2, §6)', () => {
  const plain = (extra: Partial<ProviderOptions> = {}) =>
    provider({ origin: PLAIN, tokenPath: '/token', revokePath: '/revoke', rotation: 'off', expiresIn: 3600, ...extra });
  const client = (options: Record<string, unknown> = {}) =>
    env.client({
      baseUrl: `${PLAIN}/`,
      protocol: 'oauth',
      clientId: 'plain-client',
      endpoints: { login: 'token', refresh: 'token', logout: 'revoke' },
      lock: false,
      channel: false,
      ...options,
    });

  it('a refresh answer without refresh_token keeps the old one, in memory and in storage (a restart presents it)', async () => {
    fakeTime();
    const p = plain();
    const storage = memoryStorage();
    const auth = client({ storage, autoRefresh: false });
    await signIn(auth);
    const original = p.lastIssuedRefresh();
    await auth.refresh();
    expect(await storage.getItem(KEY)).toContain(original);
    auth.dispose();
    const restarted = client({ storage, autoRefresh: false });
    await restarted.ready;
    expect(restarted.session.status).toBe('authenticated');
    await restarted.refresh();
    expect(p.refreshCalls().map((c) => c.fields['refresh_token'])).toEqual([original, original]);
    expect(p.refreshCalls().every((c) => c.outcome === 'issued')).toBe(true);
  });

  it('an answer without expires_in (opaque token): unknown lifetime, no timer, no loop; a 401 refreshes once and replays', async () => {
    fakeTime();
    const p = plain({ expiresIn: undefined });
    const auth = client();
    const log = record(auth);
    const session = await signIn(auth);
    expect(session.expiresAt).toBeNull();
    for (let d = 0; d < 10; d++) await vi.advanceTimersByTimeAsync(86_400_000);
    await settle();
    expect(p.refreshCalls()).toHaveLength(0);
    p.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.http.get('api/me').json()));
    expect(results).toEqual(Array.from({ length: 10 }, () => ({ ok: true })));
    expect(p.refreshCalls()).toHaveLength(1);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(auth.session.expiresAt).toBeNull();
  });

  it('a server that rejects even the fresh token: bounded refreshes, the 401 reaches the caller, no loop', async () => {
    fakeTime();
    const p = plain({ expiresIn: undefined });
    const auth = client();
    await signIn(auth);
    env.msw.use(http.get(`${PLAIN}/api/me`, () => HttpResponse.json({}, { status: 401 })));
    for (let i = 0; i < 10; i++) {
      const error = await caught(auth.http.get('api/me'));
      expect(error).toMatchObject({ response: { status: 401 } });
    }
    expect(p.refreshCalls().length).toBeLessThanOrEqual(2);
    expect(auth.session.status).toBe('authenticated');
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('token_type %s, expires_in as a numeric string, unknown fields and no-store headers', async (tokenType) => {
    fakeTime();
    plain({ tokenType, expiresIn: '3600', extra: () => ({ example_parameter: 'example_value', 'x-tenant': { id: 7 }, refresh_token_expires_in: 86_400 }) });
    const auth = client({ autoRefresh: false });
    const session = await signIn(auth);
    expect(session.expiresAt).toBe(Date.now() + 3_600_000);
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toEqual({ ok: true });
  });

  it('an error answer with error_description and error_uri: the code is the reason; the description goes nowhere', async () => {
    fakeTime();
    const p = plain();
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    const secretish = `token ${p.lastIssuedRefresh()} is revoked`;
    p.script(() => HttpResponse.json({ error: 'invalid_grant', error_description: secretish, error_uri: 'https://as.plain.test/errors#invalid_grant' }, { status: 400 }));
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error.reason).toBe('invalid_grant');
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expectNoSecrets([error, log.events], p.issued);
  });

  it.each([
    ['text/html 400', () => new HttpResponse('<html><body>Bad Request</body></html>', { status: 400, headers: { 'content-type': 'text/html' } })],
    ['text/plain 400', () => new HttpResponse('invalid_grant', { status: 400, headers: { 'content-type': 'text/plain' } })],
    ['400 JSON without an OAuth error', () => HttpResponse.json({ message: 'Bad Request' }, { status: 400 })],
  ])('%s from the token endpoint is transient: tokens kept, retried with backoff', async (_name, reply) => {
    fakeTime();
    const p = plain();
    const auth = client({ autoRefresh: false });
    const log = record(auth);
    await signIn(auth);
    p.script(reply);
    const error = await caught(auth.refresh());
    expect(isRefreshError(error) && error.retryable).toBe(true);
    expect(log.of('session:end')).toEqual([]);
    expect(auth.session.status).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(1_000);
    await auth.refresh();
    expect(p.refreshCalls()).toHaveLength(2);
  });

  it('an in-flight request whose token the server invalidated at refresh is replayed once with the new token, no second refresh', async () => {
    fakeTime();
    const p = plain({ rotation: 'strict', revokeOldAccessOnRefresh: true });
    const auth = client({ autoRefresh: false });
    await signIn(auth);
    const release = p.holdResource();
    const inflight = Array.from({ length: 10 }, () => auth.http.get('api/me').json());
    await settle();
    await auth.refresh();
    release();
    await expect(Promise.all(inflight)).resolves.toEqual(Array.from({ length: 10 }, () => ({ ok: true })));
    expect(p.refreshCalls()).toHaveLength(1);
    expect(p.resource.unauthorized).toBe(10);
    expectEachRefreshTokenSentOnce(p);
  });

  it('a refresh answer that omits scope keeps the granted scope (RFC 6749 §5.1/§6: omitted means unchanged)', async () => {
    fakeTime();
    plain({ extra: (_n, grant) => (grant === 'password' ? { scope: 'read write' } : {}) });
    const auth = client({ scope: 'read write', autoRefresh: false });
    const session = await signIn(auth);
    expect(session.scope).toBe('read write');
    const after = await auth.refresh();
    expect(after.scope).toBe('read write');
  });

  it('a login answer that omits scope granted the requested one (RFC 6749 §5.1)', async () => {
    fakeTime();
    plain();
    const auth = client({ scope: 'read', autoRefresh: false });
    expect((await signIn(auth)).scope).toBe('read');
    expect((await auth.refresh()).scope).toBe('read');
  });

  it('a login answer without a refresh_token: no refresh grant without a refresh_token is ever sent; the session lasts its lifetime', async () => {
    fakeTime();
    const p = plain({ omit: () => ['refresh_token'] });
    const auth = client();
    const log = record(auth);
    await signIn(auth);
    // Past the refresh margin (3240 s) but before the token expires (3600 s).
    await vi.advanceTimersByTimeAsync(3_300_000);
    await settle();
    const malformed = p.calls.filter((c) => c.grant === 'refresh_token' && !c.fields['refresh_token']);
    expect(malformed, 'grant_type=refresh_token sent without refresh_token').toEqual([]);
    expect(auth.session.status).toBe('authenticated');
    await expect(auth.http.get('api/me').json()).resolves.toEqual({ ok: true });
    expect(log.of('session:end')).toEqual([]);
    // Once it has expired, the session ends (once), still without a refresh grant lacking its token.
    jump(400_000);
    await caught(auth.http.get('api/me'));
    expect(p.calls.filter((c) => c.grant === 'refresh_token' && !c.fields['refresh_token'])).toEqual([]);
    expect(log.of('session:end')).toHaveLength(1);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('a token answer whose headers arrive but whose body stalls: the refresh times out (transient), it does not hang forever', async () => {
    fakeTime();
    const p = plain();
    const auth = client({ autoRefresh: false, timeout: 5_000 });
    const log = record(auth);
    await signIn(auth);
    const stalls = () =>
      new HttpResponse(new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"access_token":')) }), {
        headers: { 'content-type': 'application/json' },
      });
    p.script(stalls, stalls);
    const outcome = await until(caught(auth.refresh()), 120_000);
    expect(isRefreshError(outcome)).toBe(true);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true }]);
    expect(auth.session.status).toBe('authenticated');
  });
});

// ---------------------------------------------------------------------------------------------
