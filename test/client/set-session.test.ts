import { describe, expect, it } from 'vitest';
import { isLoginError, memoryStorage } from '../../src';
import { record, setup, signIn } from './support';

const env = setup();

describe('auth.setSession: tokens obtained elsewhere', () => {
  it('accepts an RFC 6749 §5.1 answer: validated, persisted, broadcast, session:start { source: "login" }; it refreshes like any session', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const issued = await server.issueTokens('ada');
    const storage = memoryStorage();
    const posted: unknown[] = [];
    const auth = env.client({ storage, channel: { post: (m) => posted.push(m), subscribe: () => () => undefined, close: () => undefined } });
    const log = record(auth);
    const session = await auth.setSession({ access_token: issued.accessToken, refresh_token: issued.refreshToken, expires_in: 60, token_type: 'Bearer', scope: 'read' });
    expect(session).toMatchObject({ status: 'authenticated', scope: 'read', user: null });
    expect(log.of('session:start')).toEqual([{ generation: 1, expiresAt: Date.now() + 60_000, source: 'login' }]);
    expect(posted).toEqual([expect.objectContaining({ type: 'session', generation: 1 })]);
    expect(JSON.stringify(posted)).not.toContain(issued.refreshToken);
    expect(String(await storage.getItem('tokenflight.session'))).toContain(issued.refreshToken);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await auth.refresh();
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
  });

  it('camelCase too; a session already present ends as replaced and its refresh token is revoked', async () => {
    const server = env.server();
    const auth = env.client();
    await signIn(auth);
    const log = record(auth);
    const issued = await server.issueTokens('ada');
    await auth.setSession({ accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresIn: 300 });
    expect(log.of('session:end')).toEqual([{ reason: 'replaced', origin: 'local' }]);
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'login', generation: 2 })]);
    // The revocation runs in the background on real I/O: wait for it, bounded by real time.
    const deadline = performance.now() + 5_000;
    while (server.counters.revocations === 0 && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(server.counters.revocations).toBe(1);
  });

  it('refuses hostile or unusable answers with a LoginError naming the problem, never the value', async () => {
    env.server();
    const auth = env.client();
    const log = record(auth);
    const cases: Array<[unknown, string]> = [
      [{}, 'missing-access-token'],
      [{ access_token: 'abc\r\nX-Injected: 1' }, 'invalid-access-token'],
      [{ access_token: 'ok', refresh_token: 'bad\ntoken' }, 'invalid-refresh-token'],
      [{ access_token: 'ok', token_type: 'mac' }, 'token-type'],
      [[], 'not-an-object'],
    ];
    for (const [body, reason] of cases) {
      const error = await auth.setSession(body as Record<string, unknown>).catch((e: unknown) => e);
      expect(isLoginError(error), reason).toBe(true);
      expect(error).toMatchObject({ reason, retryable: false });
      expect(String((error as Error).message)).not.toContain('Injected');
    }
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:start')).toEqual([]);
  });

  it('hostile lifetimes are clamped like a refresh answer; an id_token is ignored (no user claims)', async () => {
    const server = env.server();
    const issued = await server.issueTokens('ada');
    const auth = env.client();
    const session = await auth.setSession({ access_token: issued.accessToken, expires_in: 1e12, id_token: 'a.b.c' });
    expect(session.expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(session.user).toBeNull();
  });

  it('in cookie mode a refresh token handed over is dropped, never stored', async () => {
    const server = env.server();
    const issued = await server.issueTokens('ada');
    const storage = memoryStorage();
    const auth = env.client({ cookie: true, storage, fetch: async () => new Response('{"error":"invalid_grant"}', { status: 401 }) });
    await auth.ready;
    await auth.setSession({ access_token: issued.accessToken, refresh_token: issued.refreshToken, expires_in: 300 });
    expect(String(await storage.getItem('tokenflight.session'))).not.toContain(issued.refreshToken);
  });
});
