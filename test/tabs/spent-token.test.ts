import { describe, expect, it } from 'vitest';
import { type AuthClient, type SyncMessage } from '../../src';
import { advance, hold, record, setup } from '../client/support';
import { tabs } from './support';

const env = setup();
const caught = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

/** Runs the fake clock (1 s steps, real I/O in between) until `work` settles, at most `maxSeconds`. */
async function settle<T>(work: Promise<T>, maxSeconds = 120): Promise<T> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < maxSeconds && !settled; i++) await advance(1_000);
  return work;
}

/** Two instances started from one service refresh key, sharing a store and a lock (and a channel unless `channel: false`). */
async function keyInstances(withChannel: boolean, extra: Parameters<typeof tabs>[2] = {}) {
  const server = env.server({ accessTokenTtl: 60 });
  const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
  const t = tabs(env, 2, { refreshKey, autoRefresh: false, ...(withChannel ? {} : { channel: false }), ...extra });
  const [a, b] = t.clients as [AuthClient, AuthClient];
  await Promise.all([a.ready, b.ready]);
  return { server, refreshKey, jti, t, a, b };
}

describe('a refresh token that got a terminal answer is never sent again, by any instance', () => {
  it('no channel, a shared store and lock: the other instance finds the spent key recorded in the store and ends without sending it', async () => {
    const { server, jti, a, b } = await keyInstances(false);
    const logB = record(b);
    server.revokeKey(jti);
    server.resetCounters();
    expect(await caught(a.refresh())).toMatchObject({ reason: 'invalid_grant' });
    // Nothing told b yet: it learns it the moment it would send the key.
    expect(b.session.status).toBe('authenticated');
    const error = await settle(caught(b.refresh()));
    expect(error).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'remote' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(b.session.status).toBe('unauthenticated');
    expect(logB.of('session:end')).toEqual([{ reason: 'remote', origin: 'remote' }]);
  });

  it('an instance opened from the same key after the terminal answer (it heard no broadcast) never sends it', async () => {
    const { server, jti, t, a } = await keyInstances(true);
    server.revokeKey(jti);
    expect(await caught(a.refresh())).toMatchObject({ reason: 'invalid_grant' });
    server.resetCounters();
    const late = t.open();
    await late.ready;
    const error = await settle(caught(late.http.get('api/me')));
    expect(error).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'remote' });
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('a refresh waiting for the lock while the other instance posts the key ends with SessionEndedError when that post is refused', async () => {
    const { server, jti, a, b } = await keyInstances(true);
    server.revokeKey(jti);
    server.resetCounters();
    const slow = hold(server, env.msw, '/auth/refresh');
    const first = caught(a.refresh());
    await slow.entered;
    const second = caught(b.refresh());
    slow.release();
    expect(await first).toMatchObject({ reason: 'invalid_grant' });
    expect(await settle(second)).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'remote' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it.each([true, false])('channel %s: a catch-up in progress (the lock holder outlived lockTimeout) stops at the terminal answer instead of posting the key later', async (withChannel) => {
    const { server, jti, a, b } = await keyInstances(withChannel, { lockTimeout: 1_000 });
    server.revokeKey(jti);
    server.resetCounters();
    const slow = hold(server, env.msw, '/auth/refresh');
    const first = caught(a.refresh());
    await slow.entered;
    // b gives up on the lock after 1 s, sees a's mark on the key and waits for a's answer to reach it.
    const second = caught(b.refresh());
    await advance(2_000);
    expect(server.counters.refreshCalls).toBe(0);
    slow.release();
    expect(await first).toMatchObject({ reason: 'invalid_grant' });
    expect(await settle(second)).toMatchObject({ code: 'TF_SESSION_ENDED', reason: 'remote' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(b.session.status).toBe('unauthenticated');
  });

  it('what other contexts learn names the session and a fingerprint, never the key', async () => {
    const { server, refreshKey, jti, t, a } = await keyInstances(true);
    const heard: SyncMessage[] = [];
    t.hub.channel().subscribe((message) => heard.push(message));
    server.revokeKey(jti);
    await caught(a.refresh());
    await advance(10);
    const spent = heard.filter((m) => m.type === 'spent');
    expect(spent).toEqual([{ type: 'spent', generation: 1, from: expect.any(String), sid: expect.stringMatching(/^key-/), fp: expect.stringMatching(/^[\da-f]{8}$/) }]);
    expect(JSON.stringify(heard)).not.toContain(refreshKey);
    const recorded = await t.storage.getItem('tokenflight.session:spent');
    expect(recorded).toMatch(/^[\da-f]{8}:key-[\da-f]{8}$/);
    expect(recorded).not.toContain(refreshKey);
  });
});
