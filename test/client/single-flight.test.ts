import { describe, expect, it } from 'vitest';
import { hold, jump, record, setup, signIn } from './support';

const env = setup();

describe('single-flight refresh', () => {
  it('1000 concurrent requests with a visibly expired token: 1 refresh, 0 401s, 1000 successes', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    server.resetCounters();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => auth.http.get(`api/items/${i}`).json<{ id: string }>()));
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(0);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('1000 concurrent requests with a token the server expired early: 1 refresh, all succeed, each seen at most twice', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => auth.http.get(`api/items/${i}`).json<{ id: string }>()));
    expect(results).toHaveLength(1000);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.resourceRequests).toBeLessThanOrEqual(2000);
    expect(server.counters.unauthorized).toBeLessThanOrEqual(1000);
  });

  it('a 401 for an older generation is replayed without a new refresh', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    // The first request is sent with generation 1 and held by the server while another caller refreshes.
    const held = hold(server, env.msw, '/api/items/slow', 'get');
    const slow = auth.http.get('api/items/slow').json();
    await held.entered;
    await auth.refresh();
    held.release();
    await expect(slow).resolves.toEqual({ id: 'slow' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(1);
  });

  it('timer, manual refresh, 401s and extend()ed instances share one refresh', async () => {
    const server = env.server({ accessTokenTtl: 3600 });
    const auth = env.client({ autoRefresh: false });
    const child = auth.http.extend({ headers: { 'x-request-id': 'child' } });
    await signIn(auth);
    server.expireAccessTokens();
    server.resetCounters();
    const log = record(auth);
    await Promise.all([auth.refresh(), auth.http.get('api/me').json(), child.get('api/me').json(), auth.getAccessToken()]);
    expect(server.counters.refreshCalls).toBe(1);
    expect(log.of('session:refresh')).toHaveLength(1);
  });

  it('two clients in one process never share a refresh or a session', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const a = env.client({ autoRefresh: false });
    const b = env.client({ autoRefresh: false });
    await signIn(a);
    expect(b.session.status).toBe('unauthenticated');
    await signIn(b);
    jump(61_000);
    server.resetCounters();
    await Promise.all([a.http.get('api/me').json(), b.http.get('api/me').json()]);
    expect(server.counters.refreshCalls).toBe(2);
    expect(server.counters.reuseDetections).toBe(0);
  });
});
