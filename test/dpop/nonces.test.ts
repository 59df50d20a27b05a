import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { isHTTPError } from 'ky';
import { until } from '../dialects/support';
import { jtis, jump, record, setupDpop, signIn } from './support';

const env = setupDpop();

describe('DPoP nonces (RFC 9449 §8, §9)', () => {
  it('retries a login once with the nonce the token endpoint asked for; a nonce from any answer is reused', async () => {
    const server = env.server({ dpop: { nonce: true } });
    const auth = env.dpopClient();
    const log = record(auth);
    await signIn(auth);
    await auth.http.get('api/me').json();
    const logins = env.to('/auth/login');
    expect(logins).toHaveLength(2);
    expect(logins[0]?.claims).not.toHaveProperty('nonce');
    expect(typeof logins[1]?.claims?.['nonce']).toBe('string');
    expect(new Set(jtis(logins)).size).toBe(2);
    // The login's successful answer carried the nonce: the API call uses it and is not challenged.
    expect(env.to('/api/me')).toHaveLength(1);
    expect(server.counters.dpopNonceChallenges).toBe(1);
    expect(log.of('session:start')).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toEqual([]);
  });

  it('a nonce challenge during a refresh with 100 waiting requests: still one refresh, not a refresh failure', async () => {
    const server = env.server({ accessTokenTtl: 60, dpop: { nonce: 'as' } });
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    server.dpop.rotateNonce();
    server.resetCounters();
    jump(61_000);
    const results = await until(Promise.all(Array.from({ length: 100 }, (_, i) => auth.http.get(`api/items/${i}`).json<{ id: string }>())));
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const refreshes = env.to('/auth/refresh');
    expect(refreshes).toHaveLength(2);
    expect(new Set(jtis(refreshes)).size).toBe(2);
    expect(server.counters).toMatchObject({ dpopNonceChallenges: 1, reuseDetections: 0, unauthorized: 0 });
    expect(server.keys('ada').filter((key) => key.rotatedAt !== null)).toHaveLength(1);
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toEqual([]);
  });

  it('a nonce challenge at the resource server for a POST: sent again once with the body, processed once, no refresh', async () => {
    const server = env.server({ dpop: { nonce: 'rs' } });
    const auth = env.dpopClient();
    await signIn(auth);
    server.resetCounters();
    const echoed = await auth.http.post('api/echo', { json: { order: 42 } }).json();
    expect(echoed).toEqual({ order: 42 });
    const sends = env.to('/api/echo');
    expect(sends).toHaveLength(2);
    expect(new Set(jtis(sends)).size).toBe(2);
    expect(sends[1]?.claims?.['nonce']).toEqual(expect.any(String));
    // Two arrivals: the first refused by the nonce check before the handler ran, the second processed.
    expect(server.counters).toMatchObject({ requestsPerBody: { '{"order":42}': 2 }, unauthorized: 1, dpopNonceChallenges: 1, refreshCalls: 0 });
  });

  it('a second nonce challenge goes to the caller: no third send, no refresh', async () => {
    const server = env.server();
    const auth = env.dpopClient();
    await signIn(auth);
    let n = 0;
    env.msw.use(
      http.get(`${server.origin}/api/me`, () =>
        HttpResponse.json({ error: 'use_dpop_nonce' }, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': `nonce-${++n}` } }),
      ),
    );
    const error = await auth.http.get('api/me').json().catch((e: unknown) => e);
    expect(isHTTPError(error) && error.response.status).toBe(401);
    expect(env.to('/api/me')).toHaveLength(2);
    expect(env.to('/api/me')[1]?.claims?.['nonce']).toBe('nonce-1');
    expect(env.to('/auth/refresh')).toHaveLength(0);
  });

  it('does not resend a stream body on a nonce challenge: the caller gets the 401', async () => {
    const server = env.server({ dpop: { nonce: 'rs' } });
    const auth = env.dpopClient();
    await signIn(auth);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'));
        controller.close();
      },
    });
    const error = await auth.http.post('api/echo', { body, headers: { 'content-type': 'text/plain' } }).catch((e: unknown) => e);
    expect(isHTTPError(error) && error.response.status).toBe(401);
    expect(env.to('/api/echo')).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe('a token endpoint that keeps asking for a new nonce', () => {
  it('is a transient refresh failure: the session and its refresh token are kept', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    let n = 0;
    env.msw.use(
      http.post(`${server.origin}/auth/refresh`, () =>
        HttpResponse.json({ error: 'use_dpop_nonce', error_description: 'nonce' }, { status: 400, headers: { 'DPoP-Nonce': `n-${++n}` } }),
      ),
    );
    const log = record(auth);
    const error = await auth.refresh().catch((e: unknown) => e);
    expect((error as { retryable?: boolean }).retryable).toBe(true);
    expect(env.to('/auth/refresh')).toHaveLength(2);
    expect(log.of('session:end')).toEqual([]);
    expect(auth.session.status).toBe('authenticated');
  });
});
