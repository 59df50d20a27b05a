import { describe, expect, it } from 'vitest';
import { flush, hold, jump, setup, signIn } from './support';

const env = setup();

describe('caller aborts', () => {
  it("a caller aborting its own request never aborts the shared refresh", async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const slow = hold(server, env.msw, '/auth/refresh');
    const controller = new AbortController();
    const aborted = auth.http.get('api/me', { signal: controller.signal }).catch((e: unknown) => e);
    const other = auth.http.get('api/items/2').json<{ id: string }>();
    await slow.entered;
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    slow.release();
    await expect(other).resolves.toEqual({ id: '2' });
    expect(server.counters.refreshCalls).toBe(1);
    expect(auth.session.generation).toBe(2);
    await flush();
    // The rotated token was kept: the next request needs no refresh and the old token is never reused.
    await auth.http.get('api/me').json();
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('getAccessToken() is null when signed out, and a valid token when signed in', async () => {
    env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    expect(await auth.getAccessToken()).toBeNull();
    await signIn(auth);
    const first = await auth.getAccessToken();
    expect(first).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    jump(61_000);
    const second = await auth.getAccessToken();
    expect(second).not.toBe(first);
  });
});
