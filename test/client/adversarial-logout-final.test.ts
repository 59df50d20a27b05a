import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { isSessionEndedError, type LockManager } from '../../src';
import { flush, setup } from './support';

const env = setup();

/** A lock another tab holds until `release()`. */
function heldLock() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const lock: LockManager = { run: async (_name, _timeout, fn) => (await gate, fn(true)) };
  return { lock, release };
}

describe('logout is final: no refresh token is sent for a session that already ended', () => {
  it('a refresh queued behind the cross-tab lock is never sent after a logout', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
    const { lock, release } = heldLock();
    const auth = env.client({ refreshKey, lock, autoRefresh: false, audience: 'tokenflight-api' });
    await auth.ready;
    const refresh = auth.refresh().catch((e: unknown) => e);
    await flush();
    const { revocation } = await auth.logout();
    release();
    expect(isSessionEndedError(await refresh)).toBe(true);
    await revocation;
    await flush();
    expect(server.counters.refreshCalls).toBe(0);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('the one retry after a lost response is not sent once the session ended meanwhile', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await auth.login({ username: 'ada', password: 'lovelace' });
    let calls = 0;
    env.msw.use(
      http.post(`${server.origin}/auth/refresh`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );
    const refresh = auth.refresh().catch((e: unknown) => e);
    for (let i = 0; i < 200 && calls === 0; i++) await flush(1);
    expect(calls).toBe(1);
    await auth.logout();
    await vi.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(isSessionEndedError(await refresh)).toBe(true);
    expect(calls).toBe(1);
  });
});
