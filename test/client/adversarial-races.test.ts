import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { asyncStorage, isSessionEndedError } from '../../src';
import { flush, hold, jump, record, setup, signIn } from './support';

const env = setup();

const live = (server: ReturnType<typeof env.server>) => server.keys('ada').filter((k) => k.revokedAt === null);
/** Resolves once the server has answered the next revocation (no timers, no polling). */
function revoked(server: ReturnType<typeof env.server>): Promise<void> {
  let answered!: () => void;
  const done = new Promise<void>((resolve) => (answered = resolve));
  env.msw.use(
    http.post(`${server.origin}/auth/logout`, async ({ request }) => {
      const response = await server.handle(request);
      answered();
      return response;
    }),
  );
  return done;
}

describe('races around logout and login', () => {
  it('a login answered after a logout never lands, and the session it minted is revoked', async () => {
    const server = env.server();
    const auth = env.client();
    const log = record(auth);
    const slow = hold(server, env.msw, '/auth/login');
    const login = signIn(auth).catch((e: unknown) => e);
    await slow.entered;
    await auth.logout();
    const revocation = revoked(server);
    slow.release();
    await slow.done;
    // Refused by the logout that came after it began: a LoginError that says so.
    expect(await login).toMatchObject({ name: 'LoginError', reason: 'logout' });
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:start')).toHaveLength(0);
    await revocation;
    expect(live(server)).toHaveLength(0);
  });

  it('a refresh answered after a logout never lands, and what it minted is revoked', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const refresh = auth.refresh().catch((e: unknown) => e);
    await slow.entered;
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    slow.release();
    expect(isSessionEndedError(await refresh)).toBe(true);
    await slow.done;
    expect(auth.session.status).toBe('unauthenticated');
    expect(live(server)).toHaveLength(0);
    await expect(auth.getAccessToken()).resolves.toBeNull();
  });

  it('login racing a refresh of the previous session: the new login wins, the old rotation never lands', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const refresh = auth.refresh().catch((e: unknown) => e);
    await slow.entered;
    await signIn(auth);
    const generation = auth.session.generation;
    slow.release();
    await slow.done;
    expect(isSessionEndedError(await refresh)).toBe(true);
    await flush();
    expect(auth.session.generation).toBe(generation);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(live(server)).toHaveLength(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('refresh() during hydration from a slow async store waits for it, then refreshes the stored session', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const first = env.client({ autoRefresh: false });
    await signIn(first);
    const map = new Map<string, string>();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const backing = {
      getItem: async (key: string) => (await gate, map.get(key) ?? null),
      setItem: async (key: string, value: string) => void map.set(key, value),
      removeItem: async (key: string) => void map.delete(key),
    };
    const writer = env.client({ storage: asyncStorage(backing), lock: false, channel: false, autoRefresh: false });
    open();
    await writer.ready;
    await signIn(writer);
    writer.dispose();
    let release!: () => void;
    const slowGate = new Promise<void>((resolve) => (release = resolve));
    const slowStore = { ...backing, getItem: async (key: string) => (await slowGate, map.get(key) ?? null) };
    const auth = env.client({ storage: asyncStorage(slowStore), lock: false, channel: false, autoRefresh: false });
    const refreshed = auth.refresh();
    expect(auth.session.status).toBe('loading');
    release();
    await expect(refreshed).resolves.toMatchObject({ status: 'authenticated' });
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('a listener that logs out inside session:refresh: the session ends once, the refreshed tokens never come back', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const listenerErrors: unknown[] = [];
    const auth = env.client({ autoRefresh: false, onListenerError: (error) => listenerErrors.push(error) });
    await signIn(auth);
    const log = record(auth);
    let revocation: Promise<unknown> = Promise.resolve();
    auth.on('session:refresh', () => void (revocation = auth.logout().then((r) => r.revocation)));
    auth.on('session:end', () => {
      throw new Error('listener failure');
    });
    jump(61_000);
    await auth.refresh().catch(() => undefined);
    await flush();
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    expect(listenerErrors).toEqual([new Error('listener failure')]); // isolated, reported once, not thrown
    await expect(auth.getAccessToken()).resolves.toBeNull();
    await revocation;
    expect(live(server)).toHaveLength(0);
  });
});
