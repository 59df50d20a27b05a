import { describe, expect, it } from 'vitest';
import { isRefreshError, type AuthClient } from '../../src';
import { tabs } from '../tabs/support';
import { advance, flush, jump, setup, signIn } from '../client/support';

const env = setup();
const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const SLOW_DOWN = { type: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '30', 'content-type': 'application/json' } } as const;
const DOWN = { type: 'status', status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'content-type': 'application/json' } } as const;

describe('review: cross-tab backoff', () => {
  it('a refresh already waiting for the lock in another tab is not sent after the holder got Retry-After', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { clients } = tabs(env, 2, { autoRefresh: false });
    const [a, b] = clients as [AuthClient, AuthClient];
    await signIn(a);
    await flush(20);
    expect(b.session.status).toBe('authenticated');
    server.inject('refresh', SLOW_DOWN, 1000);
    server.resetCounters();
    jump(61_000);
    // Both tabs need a token at the same moment: A takes the lock, B waits for it.
    const outcomes = await Promise.all([caught(a.http.get('api/me')), caught(b.http.get('api/me'))]);
    for (const outcome of outcomes) expect(isRefreshError(outcome)).toBe(true);
    // The server said "not before 30 s" to the first POST: the second tab must not post at all.
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('three tabs making requests during an outage probe the endpoint at most once per backoff.base between them', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { clients } = tabs(env, 3, { autoRefresh: false });
    await signIn(clients[0] as AuthClient);
    await flush(20);
    server.inject('refresh', DOWN, 100_000);
    server.resetCounters();
    jump(61_000);
    // Five seconds of traffic: every tab makes a request every 250 ms.
    for (let i = 0; i < 20; i++) {
      await Promise.all(clients.map((c) => caught(c.http.get('api/me'))));
      await advance(250);
    }
    // The refresh lock and the shared store serialise the tabs, yet each tab keeps its own probe clock.
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(7);
  });
});
