/**
 * Scripted servers that behave like Auth0, Okta, Supabase (GoTrue) and a plain
 * RFC 6749 server. Each fake keeps its own refresh-token records (rotation, reuse interval / grace
 * period, reuse detection) and answers the way that provider does; every test checks the DESIGN
 * invariants that apply: a refresh token is sent at most once (one resend after no response),
 * terminal vs transient, no token in errors or events, exactly one session:end, requests in flight
 * survive a refresh.
 */
import { randomBytes } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isLoginError, isRefreshError, isSessionEndedError, memoryStorage, type AuthClient } from '../../src';
import { createSupabaseAuth } from '../../examples/snippets/supabase';
import { jwt } from '../dialects/scripted';
import { caught, expectNoSecrets, jump, record, settle, setupDialects, signIn, until } from '../dialects/support';

const env = setupDialects();
const KEY = 'tokenflight.session';

const AUTH0 = 'https://tenant.auth0.test';
const OKTA = 'https://dev-1.okta.test';
const PLAIN = 'https://as.plain.test';
const SUPABASE = 'https://project.supabase.test';
const ANON = 'anon-key-123';

/** Fake time for the test (the MSW round trips still run on real macrotasks). */
function fakeTime(): void {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(Date.UTC(2030, 0, 1));
}

const random = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** One token-endpoint call as the fake saw it. */
interface TokenCall {
  n: number;
  url: string;
  grant: string;
  fields: Record<string, string>;
  headers: Record<string, string>;
  at: number;
  /** `dropped`: the server processed it but the client got no response. */
  outcome: 'issued' | 'rejected' | 'dropped' | 'scripted';
}

/** What a script may answer for one call: a Response, the normal processing, or processing then a dropped connection. */
type Scripted = Response | 'normal' | 'drop-after-processing';

interface ProviderOptions {
  origin: string;
  tokenPath: string;
  revokePath?: string;
  /** GoTrue: JSON body, `grant_type` in the query, errors as `{ code, error_code, msg }`. */
  gotrue?: boolean;
  /** `expires_in` to answer with (`undefined`: the field is omitted). */
  expiresIn?: number | string | undefined;
  /** Rotation: `strict` issues a new refresh token every time; `off` answers without one. */
  rotation: 'strict' | 'off';
  /** Reuse interval (Auth0) / grace period (Okta): the parent may be presented again for this long. */
  reuseWindowMs?: number;
  /** Status of an `invalid_grant` (Auth0 answers 403, Okta and RFC 6749 400). */
  rejectStatus?: number;
  /** JWT access tokens (Auth0, Supabase) or opaque ones (Okta). */
  jwtAccess?: boolean;
  /** Extra answer fields (id_token, scope, user, expires_at, ...). */
  extra?: (n: number, grant: string) => Record<string, unknown>;
  /** Fields removed from the answer of call n. */
  omit?: (n: number, grant: string) => readonly string[];
  /** Token-type spelling. */
  tokenType?: string | undefined;
  /** Invalidate every older access token when a refresh succeeds (some plain servers do). */
  revokeOldAccessOnRefresh?: boolean;
  headers?: Record<string, string>;
}

/** A scripted provider: password and refresh_token grants, rotation with reuse detection, a resource API. */
function provider(options: ProviderOptions) {
  const calls: TokenCall[] = [];
  const issued: string[] = [];
  const idTokens: string[] = [];
  const accessTokens: string[] = [];
  const revocations: Array<{ fields: Record<string, string>; headers: Record<string, string> }> = [];
  const refreshRecords = new Map<string, { family: number; usedAt?: number; revoked: boolean }>();
  const access = new Map<string, number>();
  const families = new Map<number, string[]>();
  const resource = { ok: 0, unauthorized: 0, bearers: [] as string[], headers: [] as Record<string, string>[] };
  let family = 0;
  const gates: Array<Promise<void>> = [];
  let resourceGate: Promise<void> | null = null;
  const scripts: Array<(call: TokenCall) => Scripted> = [];
  let n = 0;
  const lifetime = () => {
    const value = Number(options.expiresIn);
    return Number.isFinite(value) && value > 0 ? value * 1000 : 3_600_000;
  };

  function newAccess(): string {
    const now = Date.now();
    const token = options.jwtAccess
      ? jwt({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, { sub: 'auth0|ada', aud: 'https://api.example.com', iat: Math.floor(now / 1000), exp: Math.floor((now + lifetime()) / 1000), nonce: random(12) })
      : random(32);
    access.set(token, now + lifetime());
    issued.push(token);
    accessTokens.push(token);
    return token;
  }

  function newRefresh(fam: number): string {
    const token = options.gotrue ? random(9) : `v1.${random(40)}`;
    refreshRecords.set(token, { family: fam, revoked: false });
    families.set(fam, [...(families.get(fam) ?? []), token]);
    issued.push(token);
    return token;
  }

  function answer(grant: string, refreshToken: string | null): Response {
    const body: Record<string, unknown> = {
      access_token: newAccess(),
      token_type: 'tokenType' in options ? options.tokenType : options.gotrue ? 'bearer' : 'Bearer',
      expires_in: options.expiresIn,
      ...(refreshToken === null ? {} : { refresh_token: refreshToken }),
      ...options.extra?.(n, grant),
    };
    if (!('expiresIn' in options)) body['expires_in'] = 3600;
    for (const field of options.omit?.(n, grant) ?? []) delete body[field];
    if (typeof body['id_token'] === 'string') idTokens.push(body['id_token']);
    return HttpResponse.json(body, { headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...options.headers } });
  }

  function reject(code: string, status = options.rejectStatus ?? 400, description = 'Unknown or invalid refresh token.'): Response {
    if (options.gotrue) return HttpResponse.json({ code: status, error_code: code, msg: description }, { status });
    return HttpResponse.json({ error: code, error_description: description }, { status, headers: { 'cache-control': 'no-store' } });
  }

  function process(call: TokenCall): Response {
    if (call.grant === 'password') {
      if ((call.fields['username'] ?? call.fields['email']) === undefined || call.fields['password'] !== 'lovelace') {
        call.outcome = 'rejected';
        return options.gotrue ? reject('invalid_credentials', 400, 'Invalid login credentials') : reject('invalid_grant', options.rejectStatus ?? 400, 'Wrong email or password.');
      }
      family++;
      call.outcome = 'issued';
      return answer('password', newRefresh(family));
    }
    if (call.grant !== 'refresh_token') {
      call.outcome = 'rejected';
      return reject('unsupported_grant_type', 400, 'Unsupported grant type');
    }
    const presented = call.fields['refresh_token'];
    if (presented === undefined || presented === '') {
      call.outcome = 'rejected';
      return reject('invalid_request', 400, 'Missing required parameter: refresh_token');
    }
    const rec = refreshRecords.get(presented);
    if (rec === undefined || rec.revoked) {
      call.outcome = 'rejected';
      return reject(options.gotrue ? 'refresh_token_not_found' : 'invalid_grant');
    }
    if (options.rotation === 'off') {
      call.outcome = 'issued';
      return answer('refresh_token', null);
    }
    if (rec.usedAt !== undefined && Date.now() - rec.usedAt > (options.reuseWindowMs ?? 0)) {
      // Reuse detection: the whole family is revoked.
      for (const token of families.get(rec.family) ?? []) {
        const r = refreshRecords.get(token);
        if (r) r.revoked = true;
      }
      call.outcome = 'rejected';
      return reject(options.gotrue ? 'refresh_token_already_used' : 'invalid_grant', options.rejectStatus ?? 400, 'Invalid Refresh Token: Already Used');
    }
    rec.usedAt ??= Date.now();
    if (options.revokeOldAccessOnRefresh) access.clear();
    call.outcome = 'issued';
    return answer('refresh_token', newRefresh(rec.family));
  }

  const handlers = [
    http.post(`${options.origin}${options.tokenPath}`, async ({ request }) => {
      const url = new URL(request.url);
      const text = await request.text();
      const type = request.headers.get('content-type') ?? '';
      const fields: Record<string, string> = type.includes('json')
        ? Object.fromEntries(Object.entries(JSON.parse(text || '{}') as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>
        : Object.fromEntries(new URLSearchParams(text));
      const grant = options.gotrue ? (url.searchParams.get('grant_type') ?? '') : (fields['grant_type'] ?? '');
      const call: TokenCall = { n: ++n, url: request.url, grant, fields, headers: Object.fromEntries(request.headers), at: Date.now(), outcome: 'scripted' };
      calls.push(call);
      const gate = gates.shift();
      if (gate) await gate;
      const script = scripts.shift();
      const scripted = script ? script(call) : 'normal';
      if (scripted instanceof Response) return scripted;
      const response = process(call);
      if (scripted === 'drop-after-processing') {
        call.outcome = 'dropped';
        return HttpResponse.error();
      }
      return response;
    }),
    ...(options.revokePath === undefined
      ? []
      : [
          http.post(`${options.origin}${options.revokePath}`, async ({ request }) => {
            const fields = Object.fromEntries(new URLSearchParams(await request.text()));
            revocations.push({ fields, headers: Object.fromEntries(request.headers) });
            const token = fields['token'] ?? '';
            const rec = refreshRecords.get(token);
            if (rec) for (const t of families.get(rec.family) ?? []) refreshRecords.get(t)!.revoked = true;
            return new HttpResponse(null, { status: 200 });
          }),
        ]),
    http.all(`${options.origin}/api/*`, async ({ request }) => {
      const header = request.headers.get('authorization') ?? '';
      resource.bearers.push(header);
      resource.headers.push(Object.fromEntries(request.headers));
      const token = header.replace(/^Bearer /, '');
      if (resourceGate) await resourceGate;
      const expiresAt = access.get(token);
      if (expiresAt === undefined || Date.now() >= expiresAt) {
        resource.unauthorized++;
        return HttpResponse.json({ message: 'invalid token' }, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
      }
      resource.ok++;
      return HttpResponse.json({ ok: true });
    }),
  ];
  env.msw.use(...handlers);

  return {
    calls,
    issued,
    idTokens,
    accessTokens,
    revocations,
    resource,
    refreshCalls: () => calls.filter((c) => c.grant === 'refresh_token'),
    /** The next token calls answer what `script` returns. */
    script: (...next: Array<(call: TokenCall) => Scripted>) => void scripts.push(...next),
    /** Someone else (an attacker, another device) uses this refresh token first. */
    useElsewhere(token: string) {
      const rec = refreshRecords.get(token);
      if (rec) rec.usedAt = Date.now() - 3_600_000;
    },
    expireAccessTokens: () => access.clear(),
    /** Whether the resource server would accept this Authorization header now. */
    accepts(header: string | null): boolean {
      const expiresAt = access.get((header ?? '').replace(/^Bearer /, ''));
      return expiresAt !== undefined && Date.now() < expiresAt;
    },
    /** Holds the next token call until `release()`. */
    holdToken() {
      let release!: () => void;
      gates.push(new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
    /** Holds every resource call until `release()`. */
    holdResource() {
      let release!: () => void;
      resourceGate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        resourceGate = null;
        release();
      };
    },
    lastIssuedRefresh: () => [...refreshRecords.keys()].at(-1) ?? '',
  };
}

type Provider = ReturnType<typeof provider>;

/**
 * Invariant 1: a refresh token the server spent (rotated, rejected, or processed without the answer
 * arriving) is never presented again, except once, at once, after a call that got no response.
 * Answers that did not spend it (429, 5xx, garbled bodies) may be followed by a later attempt.
 */
function expectEachRefreshTokenSentOnce(p: Provider): void {
  const sent = p.refreshCalls();
  const spent = new Map<string, TokenCall>();
  sent.forEach((call, i) => {
    const token = call.fields['refresh_token'] ?? '';
    const previous = spent.get(token);
    if (previous !== undefined) {
      const resendAfterNoResponse = previous.outcome === 'dropped' && sent[i - 1] === previous;
      expect(resendAfterNoResponse, `refresh token spent by call ${previous.n} presented again by call ${call.n}`).toBe(true);
    }
    if (call.outcome !== 'scripted') spent.set(token, call);
  });
}

/** Clients created outside `env.client` (the README's Supabase recipe). */
const extraClients: AuthClient[] = [];
afterEach(() => {
  for (const client of extraClients.splice(0)) client.dispose();
});

// ---------------------------------------------------------------------------------------------
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
