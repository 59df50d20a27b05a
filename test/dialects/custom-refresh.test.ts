import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, isSessionEndedError, SessionEndedError, type CustomRefresh } from '../../src';
import { caught, expectNoSecrets, issuedTokens, jump, record, setupDialects, signIn, spyConsole } from './support';

const env = setupDialects();

/** A refresh for a server of another shape: here the reference server's JSON route, called by hand. */
const viaFetch: CustomRefresh = async ({ refreshToken, signal }) => {
  const response = await fetch('https://auth.test/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
    signal,
  });
  return response.json();
};

describe('custom refresh({ refreshToken, signal })', () => {
  it('receives the current refresh token, its answer is parsed like any other; single-flight holds', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const calls: Array<string | null> = [];
    const auth = env.client({
      autoRefresh: false,
      refresh: (context) => {
        calls.push(context.refreshToken);
        return viaFetch(context);
      },
    });
    const log = record(auth);
    await signIn(auth);
    jump(61_000);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => auth.http.get(`api/items/${i}`).json()));
    expect(results).toHaveLength(50);
    expect(calls).toHaveLength(1);
    const issued = JSON.parse(env.tokenCalls()[0]?.responseBody ?? '') as { refreshToken: string };
    expect(calls[0]).toBe(issued.refreshToken);
    jump(61_000);
    await auth.http.get('api/me').json();
    expect(calls).toHaveLength(2);
    expect(calls[1]).not.toBe(calls[0]); // the rotated token
    expect(log.of('session:refresh')).toHaveLength(2);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('may return the Response itself: status, body and Date are read by the built-in rules', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({
      autoRefresh: false,
      refresh: ({ refreshToken, signal }) =>
        fetch('https://auth.test/auth/refresh', { method: 'POST', body: JSON.stringify({ refreshToken }), signal }),
    });
    await signIn(auth);
    await auth.refresh();
    expect(auth.session.expiresAt).toBe(Date.now() + 60_000);
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error.reason).toBe('invalid_grant');
  });

  it('throwing a SessionEndedError ends the session with its reason', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false, refresh: () => Promise.reject(new SessionEndedError('revoked')) });
    const log = record(auth);
    await signIn(auth);
    const error = await caught(auth.refresh());
    expect(isSessionEndedError(error) && error.reason).toBe('revoked');
    expect(log.of('session:end')).toEqual([{ reason: 'revoked', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('any other error is transient and never chained: a token in its message does not leak', async () => {
    env.server();
    const consoleSpy = spyConsole();
    const auth = env.client({
      autoRefresh: false,
      refresh: ({ refreshToken }) => Promise.reject(new Error(`upstream refused ${refreshToken ?? ''}`, { cause: { refreshToken } })),
    });
    const log = record(auth);
    await signIn(auth);
    const error = await caught(auth.refresh());
    expect(isRefreshError(error)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true, attempt: 1 }]);
    expectNoSecrets([error, log.events, consoleSpy.calls()], issuedTokens(env.wire));
  });

  it('a function that never settles is timed out by the client clock, and its signal aborts', async () => {
    env.server();
    let signal: AbortSignal | undefined;
    const auth = env.client({
      autoRefresh: false,
      timeout: 5_000,
      refresh: (context) => {
        signal = context.signal;
        return new Promise(() => undefined);
      },
    });
    await signIn(auth);
    const pending = caught(auth.refresh());
    await vi.advanceTimersByTimeAsync(4_999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    expect(isRefreshError(await pending)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
  });

  it('a server of another shape entirely (own route, own field names) behind a custom refresh', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({
      autoRefresh: false,
      refresh: async (context) => {
        const body = (await viaFetch(context)) as { accessToken: string; refreshToken: string; expiresIn: number };
        // e.g. a GraphQL answer { data: { renew: { jwt, next, ttl } } } mapped to the OAuth shape
        return { access_token: body.accessToken, refresh_token: body.refreshToken, expires_in: String(body.expiresIn) };
      },
    });
    await signIn(auth);
    await auth.refresh();
    expect(auth.session.expiresAt).toBe(Date.now() + 60_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
  });
});
