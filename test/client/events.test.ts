import { describe, expect, it, vi } from 'vitest';
import { jump, record, setup, signIn } from './support';

const env = setup();

describe('events', () => {
  it('one event per transition: start, refresh, end — with a session:change for each', async () => {
    env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    const log = record(auth);
    const causes: string[] = [];
    auth.on('session:change', ({ cause }) => causes.push(cause));
    await auth.ready;
    await signIn(auth);
    jump(61_000);
    await Promise.all(Array.from({ length: 50 }, () => auth.http.get('api/me').json()));
    await auth.logout();
    expect(log.events.map((e) => e.type)).toEqual(['session:start', 'session:refresh', 'session:end']);
    expect(causes).toEqual(['session:loaded', 'session:start', 'session:refreshing', 'session:refresh', 'session:end']);
    expect(log.of('session:start')[0]).toMatchObject({ source: 'login', generation: 1 });
    expect(log.of('session:refresh')[0]).toMatchObject({ origin: 'local', generation: 2 });
  });

  it('a throwing listener breaks nothing and is reported', async () => {
    env.server({ accessTokenTtl: 60 });
    const reported: unknown[] = [];
    const auth = env.client({ autoRefresh: false, onListenerError: (e) => reported.push(e) });
    const after = vi.fn();
    auth.on('session:start', () => {
      throw new Error('listener bug');
    });
    auth.on('session:start', after);
    await signIn(auth);
    expect(after).toHaveBeenCalledTimes(1);
    expect(reported).toHaveLength(1);
    expect(auth.session.status).toBe('authenticated');
  });

  it('on() returns an unsubscribe', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    const listener = vi.fn();
    const off = auth.on('session:start', listener);
    off();
    await signIn(auth);
    expect(listener).not.toHaveBeenCalled();
  });

  it('no payload, snapshot or error ever carries a token', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    const payloads: unknown[] = [];
    for (const type of ['session:start', 'session:refresh', 'session:refresh-failed', 'session:end', 'session:change', 'session:error'] as const) {
      auth.on(type, (p) => payloads.push(p));
    }
    await signIn(auth);
    const tokens = [await auth.getAccessToken()];
    jump(61_000);
    await auth.http.get('api/me').json();
    tokens.push(await auth.getAccessToken());
    server.inject('refresh', { type: 'oauth-error', error: 'invalid_grant' });
    jump(61_000);
    const error = await auth.http.get('api/me').catch((e: unknown) => e);
    const dump = JSON.stringify(payloads) + JSON.stringify(auth.session) + JSON.stringify(error) + String((error as Error).stack);
    for (const keyRecord of server.keys()) expect(dump).not.toContain(keyRecord.tokenHash);
    for (const token of tokens) {
      expect(token).toBeTruthy();
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(String(token).split('.')[2]);
    }
  });

  it('the session snapshot is synchronous, frozen and never holds a raw token', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await auth.ready;
    expect(auth.session.status).toBe('unauthenticated');
    await signIn(auth);
    const snapshot = auth.session;
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(snapshot).toMatchObject({ status: 'authenticated', generation: 1, refreshing: false });
    expect(snapshot.claims).toMatchObject({ sub: expect.any(String) });
    expect(JSON.stringify(snapshot)).not.toContain(String(await auth.getAccessToken()));
  });
});
