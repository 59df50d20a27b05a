/**
 * The scripted providers of test/dialects/providers-*.test.ts: servers that behave like Auth0, Okta,
 * Supabase (GoTrue) and a plain RFC 6749 server, each keeping its own refresh-token records.
 */
import { randomBytes } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { afterEach, expect, vi } from 'vitest';
import type { AuthClient } from '../../src';
import { jwt } from './scripted';
import { setupDialects } from './support';

export const env = setupDialects();
export const KEY = 'tokenflight.session';

export const AUTH0 = 'https://tenant.auth0.test';
export const OKTA = 'https://dev-1.okta.test';
export const PLAIN = 'https://as.plain.test';
export const SUPABASE = 'https://project.supabase.test';
export const ANON = 'anon-key-123';

/** Fake time for the test (the MSW round trips still run on real macrotasks). */
export function fakeTime(): void {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(Date.UTC(2030, 0, 1));
}

export const random = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** One token-endpoint call as the fake saw it. */
export interface TokenCall {
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
export type Scripted = Response | 'normal' | 'drop-after-processing';

export interface ProviderOptions {
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
export function provider(options: ProviderOptions) {
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

export type Provider = ReturnType<typeof provider>;

/**
 * Invariant 1: a refresh token the server spent (rotated, rejected, or processed without the answer
 * arriving) is never presented again, except once, at once, after a call that got no response.
 * Answers that did not spend it (429, 5xx, garbled bodies) may be followed by a later attempt.
 */
export function expectEachRefreshTokenSentOnce(p: Provider): void {
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
export const extraClients: AuthClient[] = [];
afterEach(() => {
  for (const client of extraClients.splice(0)) client.dispose();
});
