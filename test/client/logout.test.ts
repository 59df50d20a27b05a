import { describe, expect, it, vi } from 'vitest';
import { isSessionEndedError } from '../../src';
import { flush, hold, jump, record, setup, signIn } from './support';

const env = setup();

describe('logout', () => {
  it('logout during a slow refresh: nothing is written or emitted afterwards, the rotated token is revoked', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const waiting = auth.http.get('api/me').catch((e: unknown) => e);
    await slow.entered;
    const log = record(auth);
    const { revocation } = await auth.logout();
    expect(isSessionEndedError(await waiting)).toBe(true);
    expect(await revocation).toBe(true);
    slow.release();
    await slow.done;
    await flush();
    expect(log.of('session:refresh')).toHaveLength(0);
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
    expect(await auth.getAccessToken()).toBeNull();
    // Every key of the family is revoked (the late rotation too): nothing usable is left at the server.
    await vi.waitFor(() => expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true));
  });

  it('revokes at the server without blocking the local logout', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.inject('logout', { type: 'delay', ms: 120_000 });
    const { revocation } = await auth.logout();
    expect(auth.session.status).toBe('unauthenticated');
    await vi.advanceTimersByTimeAsync(31_000);
    expect(await revocation).toBe(false); // the call timed out; the local logout did not wait for it
  });

  it('exactly one session:end, and requests after logout carry no token', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    await auth.logout();
    await auth.logout();
    expect(log.of('session:end')).toHaveLength(1);
    await expect(auth.http.get('api/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('dispose settles waiters and stops the timer', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client();
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const waiting = auth.http.get('api/me').catch((e: unknown) => e);
    await slow.entered;
    auth.dispose();
    expect(await waiting).toMatchObject({ code: 'TF_DISPOSED' });
    slow.release(); // the refresh already sent completes (and is persisted), silently
    await slow.done;
    await flush();
    server.resetCounters();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe('a request that outlives its session', () => {
  it('its 401 after a logout and a new login gets the logout error: never a replay with the new session\'s token', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const first = server.counters.loginCalls;
    const slow = hold(server, env.msw, '/api/me', 'get');
    const request = auth.http.get('api/me').json().then(() => 'ok', (error: unknown) => error);
    await slow.entered;
    server.expireAccessTokens(); // the old session's token is refused when the request is answered
    await auth.logout();
    await signIn(auth); // a new session (a new user could sign in here just as well)
    expect(server.counters.loginCalls).toBe(first + 1);
    server.resetCounters();
    slow.release();
    const outcome = await request;
    expect(isSessionEndedError(outcome) && outcome.reason).toBe('logout');
    // Only the held request itself reached the API: it was not replayed, least of all with the new session's token.
    expect(server.counters.resourceRequests).toBe(1);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe('after dispose', () => {
  it('logout() rejects with DisposedError and touches nothing', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    auth.dispose();
    await expect(auth.logout()).rejects.toMatchObject({ code: 'TF_DISPOSED' });
    expect(server.counters.revocations).toBe(0);
  });
});
