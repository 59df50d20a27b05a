import { describe, expect, it, vi } from 'vitest';
import { createAuthClient, DisposedError, type StorageAdapter } from '../../src';
import { API, record, setup, signIn } from './support';

const env = setup();

const hostile = (overrides: Partial<StorageAdapter>): StorageAdapter => ({
  getItem: () => null,
  setItem: () => undefined,
  removeItem: () => undefined,
  ...overrides,
});

describe('hostile storage, dispose and start-up', () => {
  const boom = (): never => {
    throw new Error('boom');
  };
  it.each<[string, Partial<StorageAdapter>]>([
    ['getItem throws synchronously', { getItem: boom }],
    ['getItem returns a number', { getItem: () => 42 as unknown as string }],
    ['getItem returns an object', { getItem: () => ({ v: 1 }) as unknown as string }],
    ['subscribe throws synchronously', { subscribe: boom }],
    ['removeItem throws too', { getItem: () => 'garbage', removeItem: boom }],
  ])('%s: no throw from start-up, signed out, login still works', async (_name, overrides) => {
    env.server();
    const storage = hostile(overrides);
    let auth: ReturnType<typeof createAuthClient> | undefined;
    expect(() => (auth = env.client({ storage, lock: false, channel: false, onListenerError: () => undefined }))).not.toThrow();
    if (!auth) throw new Error('no client');
    await auth.ready;
    expect(auth.session.status).toBe('unauthenticated');
    await expect(signIn(auth)).resolves.toMatchObject({ status: 'authenticated' });
  });

  it('dispose twice is harmless; nothing is emitted after it; every later call settles with DisposedError', async () => {
    env.server({ accessTokenTtl: 60 });
    const auth = createAuthClient({ baseUrl: API, deviceInfo: 'test', random: () => 0.5 });
    await signIn(auth);
    const log = record(auth);
    const changes = vi.fn();
    auth.on('session:change', changes);
    auth.dispose();
    auth.dispose();
    await expect(auth.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
    await expect(auth.refresh()).rejects.toBeInstanceOf(DisposedError);
    await expect(auth.http.get('api/me')).rejects.toBeInstanceOf(DisposedError);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(log.events).toEqual([]);
    expect(changes).not.toHaveBeenCalled();
  });

  it('getAccessToken with an already aborted signal rejects with its reason', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const reason = new Error('gone');
    await expect(auth.getAccessToken(AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('an absurd timeout never turns every refresh into a network error', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false, timeout: 1e12 });
    await signIn(auth);
    await expect(auth.refresh()).resolves.toMatchObject({ status: 'authenticated' });
    expect(server.counters.refreshCalls).toBe(1);
  });
});
