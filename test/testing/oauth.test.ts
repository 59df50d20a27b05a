import { describe, expect, it } from 'vitest';
import { claimsOf, login, postForm, postJson, setupAuthMsw } from './support';

const start = setupAuthMsw();

interface OAuthBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

function basic(clientId: string, secret = 's3cret'): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${secret}`).toString('base64')}`;
}

describe('OAuth token endpoint (RFC 6749)', () => {
  it('password grant answers §5.1 with no-store and no-cache', async () => {
    const server = start();
    const response = await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const body = (await response.json()) as OAuthBody;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: expect.any(String),
      scope: 'read write',
    });
  });

  it('refresh_token grant rotates and accepts the client via HTTP Basic', async () => {
    const server = start();
    const { refreshToken } = await login(server);
    const response = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic('tokenflight') });
    expect(response.status).toBe(200);
    const body = (await response.json()) as OAuthBody;
    expect(body.refresh_token).not.toBe(refreshToken);
    expect(server.counters.refreshCalls).toBe(1);
    const reuse = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'tokenflight' });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(server.counters.reuseDetections).toBe(1);
  });

  it('narrows scope on request and refuses a wider one with invalid_scope', async () => {
    const server = start();
    const narrowed = await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight', scope: 'read' });
    const body = (await narrowed.json()) as OAuthBody;
    expect(body.scope).toBe('read');
    expect(claimsOf(body.access_token)['scope']).toBe('read');
    const wider = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'tokenflight', scope: 'read write' });
    expect(wider.status).toBe(400);
    expect(await wider.json()).toMatchObject({ error: 'invalid_scope' });
    const again = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'tokenflight' });
    expect(again.status).toBe(200);
    const tooMuch = await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight', scope: 'admin' });
    expect(await tooMuch.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('answers invalid_client with 401 and a Basic challenge', async () => {
    const server = start();
    for (const response of [
      await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'evil' }),
      await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace' }, { authorization: basic('evil') }),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    }
  });

  it('answers unsupported_grant_type, invalid_grant and invalid_request per §5.2', async () => {
    const server = start();
    const cases: Array<[Record<string, string>, string]> = [
      [{ grant_type: 'client_credentials', client_id: 'tokenflight' }, 'unsupported_grant_type'],
      [{ grant_type: 'password', username: 'ada', password: 'wrong', client_id: 'tokenflight' }, 'invalid_grant'],
      [{ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: 'tokenflight' }, 'invalid_grant'],
      [{ grant_type: 'refresh_token', client_id: 'tokenflight' }, 'invalid_request'],
      [{ grant_type: 'password', username: 'ada', password: 'lovelace' }, 'invalid_request'],
      [{ client_id: 'tokenflight' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const response = await postForm(server, '/oauth/token', params);
      expect(response.status, error).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
    }
  });

  it('refuses a JSON body and repeated parameters with invalid_request', async () => {
    const server = start();
    const json = await postJson(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    const repeated = await fetch(`${server.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=ada&password=lovelace&client_id=tokenflight&scope=read&scope=write',
    });
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('OAuth revocation endpoint (RFC 7009)', () => {
  it('revokes the family of a refresh token and counts it', async () => {
    const server = start();
    const tokens = await login(server);
    const response = await postForm(server, '/oauth/revoke', { token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: 'tokenflight' });
    expect(response.status).toBe(200);
    expect(server.counters.revocations).toBe(1);
    expect(server.keys('ada')[0]?.revokedAt).not.toBeNull();
    const refresh = await postJson(server, '/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(refresh.status).toBe(401);
  });

  it('answers 200 for unknown tokens without counting', async () => {
    const server = start();
    const response = await postForm(server, '/oauth/revoke', { token: 'never-issued' });
    expect(response.status).toBe(200);
    expect(server.counters.revocations).toBe(0);
  });

  it('revokes an access token too', async () => {
    const server = start();
    const tokens = await login(server);
    await postForm(server, '/oauth/revoke', { token: tokens.accessToken, token_type_hint: 'access_token' });
    const me = await fetch(`${server.origin}/api/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.status).toBe(401);
    expect(server.counters.revocations).toBe(1);
  });

  it('requires the token parameter and a form body', async () => {
    const server = start();
    const missing = await postForm(server, '/oauth/revoke', {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    const json = await postJson(server, '/oauth/revoke', { token: 'x' });
    expect(json.status).toBe(400);
  });
});
