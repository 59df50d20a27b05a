import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthClient, isRefreshError } from '../../src';
import { advance } from '../client/support';
import { caught, editJson, expectCleanWire, jump, record, setupDialects, signIn } from './support';

const env = setupDialects();

const snakeCase = env.onTokenCalls(async (_request, response) =>
  response.status !== 200
    ? response
    : editJson(response, (body) => ({
        access_token: body['accessToken'],
        refresh_token: body['refreshToken'],
        expires_in: body['expiresIn'],
        token_type: 'bearer',
      })),
);

describe('JSON endpoints (default protocol)', () => {
  it('camelCase answers: login, resource call, refresh on expiry; JSON bodies, no Bearer, no token in a URL', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ autoRefresh: false });
    const log = record(auth);
    const session = await signIn(auth);
    expect(session).toMatchObject({ status: 'authenticated', expiresAt: Date.now() + 300_000, scope: null });
    expect(session.claims).toMatchObject({ sub: 'ada', aud: 'tokenflight-api' });
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    jump(301_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(log.of('session:refresh')).toHaveLength(1);

    const [login, refresh] = env.tokenCalls();
    expect(login?.path).toBe('/auth/login');
    expect(login?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(login?.body ?? '')).toEqual({ username: 'ada', password: 'lovelace', deviceInfo: 'test' });
    expect(refresh?.path).toBe('/auth/refresh');
    expect(refresh?.headers['content-type']).toMatch(/^application\/json/);
    const loginAnswer = JSON.parse(login?.responseBody ?? '') as { refreshToken: string };
    expect(JSON.parse(refresh?.body ?? '')).toEqual({ refreshToken: loginAnswer.refreshToken, deviceInfo: 'test' });
    expect(server.counters.reuseDetections).toBe(0);
    expectCleanWire(env.wire, server);
  });

  it('snake_case answers (OAuth shape over JSON) work the same, rotation included', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' }, snakeCase);
    const auth = env.client({ autoRefresh: true });
    const log = record(auth);
    await signIn(auth);
    expect(auth.session.expiresAt).toBe(Date.now() + 60_000);
    // Ten lifetimes with the background timer (refresh 30 s before expiry, i.e. every 30 s): each
    // refresh presents the newest rotated token.
    for (let i = 0; i < 10; i++) {
      await advance(60_000, () => auth.session.refreshing);
      await expect(auth.http.get(`api/items/${i}`).json()).resolves.toEqual({ id: String(i) });
    }
    expect(log.of('session:refresh').length).toBeGreaterThanOrEqual(19);
    expect(log.of('session:refresh').length).toBeLessThanOrEqual(20);
    expect(log.of('session:end')).toHaveLength(0);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.unauthorized).toBe(0);
    expectCleanWire(env.wire, server);
  });

  it('deviceInfo is sent with login and refresh and recorded on every key of the family', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const auth = env.client({ autoRefresh: false, deviceInfo: 'Firefox on Linux' });
    await signIn(auth);
    await auth.refresh();
    const keys = server.keys('ada');
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k.deviceInfo)).toEqual(['Firefox on Linux', 'Firefox on Linux']);
    for (const call of env.tokenCalls()) expect(JSON.parse(call.body)).toMatchObject({ deviceInfo: 'Firefox on Linux' });
  });

  it('deviceInfo: false sends nothing; the default is a coarse runtime description', async () => {
    const server = env.server();
    const quiet = env.client({ autoRefresh: false, deviceInfo: false });
    await signIn(quiet);
    expect(JSON.parse(env.tokenCalls()[0]?.body ?? '')).not.toHaveProperty('deviceInfo');
    expect(server.keys('ada')[0]?.deviceInfo).toBeNull();

    const plain = createAuthClient({ baseUrl: 'https://auth.test', autoRefresh: false });
    try {
      await signIn(plain);
      expect(server.keys('ada')[1]?.deviceInfo).toBe(`node/${process.versions.node.split('.')[0] ?? ''}`);
    } finally {
      plain.dispose();
    }
  });

  it('audience is sent with login and refresh and sets the key audience', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false, audience: 'reports' });
    await signIn(auth);
    await auth.refresh();
    expect(server.keys('ada').map((k) => k.audience)).toEqual(['reports', 'reports']);
    for (const call of env.tokenCalls()) expect(JSON.parse(call.body)).toMatchObject({ audience: 'reports' });
  });

  it.each([307, 308, 302])('a %i redirect from the token endpoint is never followed: the refresh token stays put', async (status) => {
    const server = env.server({}, env.onTokenCalls((request, response) =>
      new URL(request.url).pathname === '/auth/refresh' ? new Response(null, { status, headers: { location: 'http://elsewhere.test/steal' } }) : response,
    ));
    const stolen: string[] = [];
    env.msw.use(http.all('http://elsewhere.test/*', async ({ request }) => {
      stolen.push(await request.text());
      return HttpResponse.json({});
    }));
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    expect(isRefreshError(await caught(auth.refresh()))).toBe(true);
    expect(stolen).toEqual([]);
    expect(auth.session.status).toBe('authenticated');
    expectCleanWire(env.wire, server);
  });

  it('login rejected by the JSON endpoint: a LoginError carrying the OAuth code, no session', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await expect(auth.login({ username: 'ada', password: 'wrong' })).rejects.toMatchObject({
      code: 'TF_LOGIN_FAILED',
      reason: 'invalid_grant',
      status: 401,
      retryable: false,
    });
    expect(auth.session.status).toBe('unauthenticated');
  });
});
