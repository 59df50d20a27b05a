import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { localLock, memoryStorage } from '../../src';
import { cookieJar, ORIGIN, settle, setupDialects, signIn, until } from './support';

const env = setupDialects();

/** Holds the next refresh calls until `release()`. */
function holdRefresh(handle: (request: Request) => Promise<Response>) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const arrived = new Promise<void>((resolve) => (entered = resolve));
  env.msw.use(
    http.post(`${ORIGIN}/auth/refresh`, async ({ request }) => {
      entered();
      await gate;
      return handle(request);
    }),
  );
  return { entered: arrived, release };
}

describe('cookie resume at start-up racing dispose', () => {
  it('a client disposed while its start-up resume is on the way never revokes the cookie: the next page load resumes', async () => {
    const server = env.server({ cookieMode: true });
    const jar = cookieJar();
    const tab = () => env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), lock: localLock(), channel: false, autoRefresh: false });
    const first = tab();
    await signIn(first);
    first.dispose();
    const held = holdRefresh((request) => server.handle(request));
    const unmounted = tab();
    await held.entered;
    unmounted.dispose();
    held.release();
    await settle();
    await until(unmounted.ready);
    await settle();
    expect(env.tokenCalls().filter((call) => call.path === '/auth/logout' || call.path === '/oauth/revoke')).toEqual([]);
    expect(server.keys('ada').some((key) => key.revokedAt === null && key.rotatedAt === null)).toBe(true);
    expect(jar.jar.has('tf_refresh')).toBe(true);
  });
});
