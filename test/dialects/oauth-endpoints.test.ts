import { describe, expect, it, vi } from 'vitest';
import { isLoginError, isRefreshError } from '../../src';
import { caught, editJson, expectCleanWire, jump, record, setupDialects, signIn, type Rewrite } from './support';

const env = setupDialects();
const oauth = { protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false } as const;

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

/** Rewrites OAuth token answers from the `n`th token call on (1-based). */
function fromCall(n: number, change: (body: Record<string, unknown>) => Record<string, unknown>): Rewrite {
  let calls = 0;
  return env.onTokenCalls(async (request, response) => {
    if (new URL(request.url).pathname !== '/oauth/token') return response;
    calls++;
    return calls >= n && response.status === 200 ? editJson(response, change) : response;
  });
}

describe('OAuth 2.0 token endpoint (protocol: oauth)', () => {
  it('password login and refresh_token grant, form-encoded with client_id and scope (RFC 6749 §6)', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ ...oauth, scope: 'read' });
    const session = await signIn(auth);
    expect(session).toMatchObject({ status: 'authenticated', scope: 'read', expiresAt: Date.now() + 300_000 });
    jump(301_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada', scope: 'read' });

    const [login, refresh] = env.tokenCalls();
    for (const call of [login, refresh]) {
      expect(call?.path).toBe('/oauth/token');
      expect(call?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(call?.headers).not.toHaveProperty('authorization');
    }
    expect(form(login?.body ?? '')).toEqual({ grant_type: 'password', scope: 'read', client_id: 'tokenflight', device_info: 'test', username: 'ada', password: 'lovelace' });
    const issued = JSON.parse(login?.responseBody ?? '') as { refresh_token: string };
    expect(form(refresh?.body ?? '')).toEqual({
      grant_type: 'refresh_token',
      refresh_token: issued.refresh_token,
      scope: 'read',
      client_id: 'tokenflight',
      device_info: 'test',
    });
    expect(server.counters).toMatchObject({ loginCalls: 1, refreshCalls: 1, reuseDetections: 0 });
    expectCleanWire(env.wire, server);
  });

  it('confidential client: credentials in HTTP Basic, not in the body, never counted as Bearer', async () => {
    const server = env.server();
    const auth = env.client({ ...oauth, clientSecret: 's3cret:+/ é' });
    await signIn(auth);
    await auth.refresh();
    const expected = `Basic ${btoa(`tokenflight:${encodeURIComponent('s3cret:+/ é').replace(/%20/g, '+')}`)}`;
    for (const call of env.tokenCalls()) {
      expect(call.headers['authorization']).toBe(expected);
      expect(form(call.body)).not.toHaveProperty('client_id');
    }
    expect(server.counters.refreshCalls).toBe(1);
    expectCleanWire(env.wire, server);
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('token_type %s is accepted (case-insensitive)', async (tokenType) => {
    env.server({}, fromCall(1, (body) => ({ ...body, token_type: tokenType })));
    const auth = env.client(oauth);
    await signIn(auth);
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
  });

  it.each([
    ['absent', (body: Record<string, unknown>) => ({ ...body, refresh_token: undefined })],
    ['empty', (body: Record<string, unknown>) => ({ ...body, refresh_token: '' })],
    ['null', (body: Record<string, unknown>) => ({ ...body, refresh_token: null })],
  ])('a refresh answer with refresh_token %s keeps the previous refresh token', async (_name, change) => {
    const server = env.server({ rotation: 'off', accessTokenTtl: 60 }, fromCall(2, change));
    const auth = env.client(oauth);
    const log = record(auth);
    await signIn(auth);
    const first = (JSON.parse(env.tokenCalls()[0]?.responseBody ?? '') as { refresh_token: string }).refresh_token;
    await auth.refresh();
    await auth.refresh();
    const presented = env.tokenCalls().slice(1).map((call) => form(call.body)['refresh_token']);
    expect(presented).toEqual([first, first]);
    expect(log.of('session:refresh')).toHaveLength(2);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it.each(['DPoP', 'mac', 'N_A', 42])('login answered with token_type %s: rejected, no session, the token never sent', async (tokenType) => {
    const server = env.server({}, fromCall(1, (body) => ({ ...body, token_type: tokenType })));
    const auth = env.client(oauth);
    const error = await caught(signIn(auth));
    expect(isLoginError(error)).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    await expect(auth.http.get('api/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(env.wire.filter((e) => e.path === '/api/me').every((e) => e.headers['authorization'] === undefined)).toBe(true);
    expect(server.counters.resourceRequests).toBe(1);
  });

  it('refresh answered with token_type DPoP: transient failure, old tokens kept, the new token never sent as Bearer', async () => {
    let poison = true;
    const server = env.server(
      { rotation: 'off', accessTokenTtl: 60 },
      env.onTokenCalls(async (_request, response, body) => {
        const grant = form(body)['grant_type'];
        if (grant !== 'refresh_token' || !poison) return response;
        poison = false;
        return editJson(response, (body) => ({ ...body, token_type: 'DPoP' }));
      }),
    );
    const auth = env.client(oauth);
    const log = record(auth);
    await signIn(auth);
    const error = await caught(auth.refresh());
    expect(isRefreshError(error)).toBe(true);
    const refused = (JSON.parse(env.tokenCalls()[1]?.responseBody ?? '') as { access_token: string }).access_token;
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true, attempt: 1 }]);
    expect(auth.session.status).toBe('authenticated');
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await vi.advanceTimersByTimeAsync(5_000);
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    const sent = env.wire.filter((e) => e.path === '/api/me').map((e) => e.headers['authorization']);
    expect(sent).toHaveLength(2);
    expect(sent.some((header) => header?.includes(refused))).toBe(false);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('a custom endpoints map points the OAuth dialect at other paths', async () => {
    const server = env.server();
    const auth = env.client({ ...oauth, endpoints: { login: 'https://auth.test/oauth/token', refresh: '/oauth/token', logout: 'oauth/revoke' } });
    await signIn(auth);
    await auth.refresh();
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    expect(env.tokenCalls().map((c) => c.path)).toEqual(['/oauth/token', '/oauth/token', '/oauth/revoke']);
    expect(server.counters.revocations).toBe(1);
  });
});
