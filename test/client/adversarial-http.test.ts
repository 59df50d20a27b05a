import { getEventListeners } from 'node:events';
import { http, HttpResponse } from 'msw';
import { HTTPError } from 'ky';
import { describe, expect, it } from 'vitest';
import { jump, setup, signIn } from './support';

const env = setup();

/** Every place a thrown error could carry a value. */
function everything(error: unknown): string {
  const e = error as { message?: string; stack?: string; cause?: unknown; request?: Request; options?: unknown };
  const headers = e.request ? JSON.stringify([...e.request.headers]) : '';
  const options = JSON.stringify(e.options ?? {}, (_k, v: unknown) => (v instanceof Headers ? [...v] : typeof v === 'function' ? 'fn' : v));
  return [String(error), e.message, e.stack, JSON.stringify(error), String(e.cause), headers, options].join('\n');
}

describe('auth.http against hostile and unusual inputs', () => {
  it('a second 401 goes to the caller, and its HTTPError holds no token anywhere', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const seen: string[] = [];
    env.msw.use(
      http.get(`${server.origin}/api/locked`, ({ request }) => {
        seen.push(request.headers.get('authorization') ?? '');
        return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
      }),
    );
    const error = await auth.http.get('api/locked').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(seen).toHaveLength(2);
    const text = everything(error);
    for (const header of seen) expect(text).not.toContain(header.slice('Bearer '.length));
    expect(server.counters.refreshCalls).toBe(1);
  });

  it.each([
    ['Bearer error="invalid_token", Basic realm="x"', 1],
    ['Basic realm="x", Bearer error="invalid_token"', 1],
    ['DPoP error="invalid_token"', 0],
    ['Bearer error="insufficient_scope"', 0],
  ])('401 with WWW-Authenticate %s: %i refresh', async (challenge, refreshes) => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    env.msw.use(http.get(`${server.origin}/api/odd`, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': challenge } })));
    await expect(auth.http.get('api/odd')).rejects.toBeInstanceOf(HTTPError);
    expect(server.counters.refreshCalls).toBe(refreshes);
  });

  it('absolute URLs with an upper-case scheme and host are the same origin; extend({ prefix }) shares the session', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    jump(61_000);
    const child = auth.http.extend({ prefix: 'https://auth.test/api/' });
    const results = await Promise.all([
      auth.http.get('HTTPS://AUTH.TEST/api/me').json(),
      child.get('me').json(),
      child.extend({ headers: { 'x-a': '1' } }).get('me').json(),
    ]);
    expect(results).toHaveLength(3);
    expect(server.counters).toMatchObject({ refreshCalls: 1, unauthorized: 0, reuseDetections: 0 });
  });

  it('the token never goes to an origin that only looks alike', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, trustedOrigins: ['https://files.test/'] });
    await signIn(auth);
    const seen: Array<string | null> = [];
    const capture = ({ request }: { request: Request }) => {
      seen.push(request.headers.get('authorization'));
      return HttpResponse.json({});
    };
    env.msw.use(http.get('https://auth.test.evil/x', capture), http.get('https://auth.test:8080/x', capture), http.get('http://auth.test/x', capture));
    for (const url of ['https://auth.test.evil/x', 'https://auth.test:8080/x', 'http://auth.test/x']) await auth.http.get(url).json();
    expect(seen).toEqual([null, null, null]);
    void server;
  });

  it('300 sequential requests with one signal leave no abort listener behind', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const controller = new AbortController();
    for (let i = 0; i < 300; i++) {
      if (i % 50 === 0) jump(61_000);
      await auth.http.get('api/me', { signal: controller.signal }).json();
    }
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    expect(server.counters.reuseDetections).toBe(0);
  });
});
