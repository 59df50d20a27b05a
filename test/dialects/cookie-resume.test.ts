import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, memoryStorage, NotAuthenticatedError } from '../../src';
import { fakeNavigatorLocks } from '../tabs/support';
import { cookieJar, record, setupDialects, signIn } from './support';

const env = setupDialects();

/** A browser tab in cookie mode: the shared jar, its own memory storage. */
const tab = (jar: ReturnType<typeof cookieJar>, extra: Parameters<typeof env.client>[0] = {}) =>
  env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), lock: false, channel: false, autoRefresh: false, ...extra });

describe('cookie (BFF) mode resumes after a reload', () => {
  it('start-up makes one silent refresh with the cookie and starts the session (source "cookie"), loading until then', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    const first = tab(jar);
    await signIn(first);
    first.dispose(); // the page reloads: memory is gone, the HttpOnly cookie stays
    server.resetCounters();
    const reloaded = tab(jar);
    const log = record(reloaded);
    expect(reloaded.session.status).toBe('loading');
    await reloaded.ready;
    expect(reloaded.session.status).toBe('authenticated');
    expect(log.of('session:start')).toEqual([{ generation: expect.any(Number), expiresAt: expect.any(Number), source: 'cookie' }]);
    expect(log.of('session:end')).toEqual([]);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    await expect(reloaded.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    // The resumed session refreshes and logs out like any other.
    await reloaded.refresh();
    await (await reloaded.logout()).revocation;
    expect(jar.jar.has('tf_refresh')).toBe(false);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('no cookie (401 / invalid_grant): simply signed out, no session:end; refresh() then rejects NotAuthenticatedError', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    const auth = tab(jar);
    const log = record(auth);
    await auth.ready;
    expect(auth.session.status).toBe('unauthenticated');
    expect(log.events.map((e) => e.type)).toEqual(['session:change']);
    expect(server.counters.refreshCalls).toBe(1);
    await expect(auth.refresh()).rejects.toBeInstanceOf(NotAuthenticatedError);
    // A revoked cookie: the same.
    await signIn(auth);
    const reloaded = tab(jar);
    server.revokeKey(server.keys('ada')[0]?.jti ?? '');
    const reloadedLog = record(reloaded);
    await reloaded.ready;
    expect(reloaded.session.status).toBe('unauthenticated');
    expect(reloadedLog.of('session:end')).toEqual([]);
  });

  it('a transient failure leaves the client signed out; refresh() tries again and resumes', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    await signIn(tab(jar));
    server.inject('refresh', { type: 'status', status: 503 });
    const reloaded = tab(jar);
    const log = record(reloaded);
    await reloaded.ready;
    expect(reloaded.session.status).toBe('unauthenticated');
    server.inject('refresh', { type: 'network-error' });
    const error = await reloaded.refresh().catch((e: unknown) => e);
    expect(isRefreshError(error)).toBe(true);
    await expect(reloaded.refresh()).resolves.toMatchObject({ status: 'authenticated' });
    expect(log.of('session:start')).toEqual([expect.objectContaining({ source: 'cookie' })]);
    expect(log.of('session:end')).toEqual([]);
  });

  it('two tabs reloading at once present the one cookie in turn under the lock (a strict server sees no reuse)', async () => {
    const server = env.server({ cookieMode: true, rotation: 'strict' });
    const jar = cookieJar();
    await signIn(tab(jar));
    vi.stubGlobal('navigator', { locks: fakeNavigatorLocks() });
    vi.stubGlobal('document', {});
    const [a, b] = [tab(jar, { lock: undefined as never }), tab(jar, { lock: undefined as never })];
    vi.unstubAllGlobals();
    await Promise.all([a.ready, b.ready]);
    expect([a.session.status, b.session.status]).toEqual(['authenticated', 'authenticated']);
    expect(server.counters).toMatchObject({ reuseDetections: 0 });
    await expect(a.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await expect(b.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });

  it('a stalled server cannot hold start-up longer than the timeout', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    await signIn(tab(jar));
    server.inject('refresh', { type: 'delay', ms: 60_000 });
    const reloaded = tab(jar, { timeout: 5_000 });
    let ready = false;
    void reloaded.ready.then(() => (ready = true));
    await vi.advanceTimersByTimeAsync(5_001);
    for (let i = 0; i < 20 && !ready; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(ready).toBe(true);
    expect(reloaded.session.status).toBe('unauthenticated');
  });
});
