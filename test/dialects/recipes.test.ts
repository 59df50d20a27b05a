import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, isSessionEndedError, SessionEndedError, type AuthClient } from '../../src';
import { createAuthServer, leeway, type AuthServer } from '../../src/testing';
import { advance } from '../client/support';
import { cookieJar } from './support';

// The code between `// recipe:<name>` and `// end` is the code of README.md, verbatim (checked below).

const msw = setupServer();
const clients: AuthClient[] = [];
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose();
  msw.resetHandlers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});
afterAll(() => msw.close());

function start(options: Parameters<typeof createAuthServer>[0] = {}): AuthServer {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(Date.UTC(2030, 0, 1));
  const server = createAuthServer({ origin: 'https://api.example.com', ...options });
  msw.use(...server.handlers);
  return server;
}
const track = (auth: AuthClient) => clients.push(auth);

describe('recipes (README.md)', () => {
  it('JSON endpoints', async () => {
    const server = start({ accessTokenTtl: 60 });
    // recipe:json
    const auth = createAuthClient({
      baseUrl: 'https://api.example.com/',
      endpoints: { login: 'auth/login', refresh: 'auth/refresh', logout: 'auth/logout' },
    });
    await auth.login({ username: 'ada', password: 'lovelace' });
    const me = await auth.http.get('api/me').json<{ username: string }>();
    // end
    track(auth);
    expect(me.username).toBe('ada');
    vi.setSystemTime(Date.now() + 61_000);
    await auth.http.get('api/me').json();
    expect(server.counters).toMatchObject({ refreshCalls: 1, unauthorized: 0, bearerOnTokenEndpoint: 0 });
  });

  it('OAuth 2.0 token endpoint', async () => {
    const server = start();
    // recipe:oauth
    const auth = createAuthClient({
      baseUrl: 'https://api.example.com/',
      protocol: 'oauth', // token endpoint 'oauth/token', RFC 7009 revocation at 'oauth/revoke'
      clientId: 'tokenflight',
      scope: 'read',
    });
    await auth.login({ username: 'ada', password: 'lovelace' }); // grant_type=password
    await auth.refresh(); // grant_type=refresh_token&refresh_token=…&client_id=tokenflight&scope=read
    const { revocation } = await auth.logout(); // local logout is immediate
    const revoked = await revocation; // true once the server confirmed
    // end
    track(auth);
    expect(revoked).toBe(true);
    expect(server.counters).toMatchObject({ loginCalls: 1, refreshCalls: 1, revocations: 1 });
  });

  it('HttpOnly cookie (backend-for-frontend)', async () => {
    const server = start({ cookieMode: true, accessTokenTtl: 60 });
    vi.stubGlobal('fetch', cookieJar().fetch); // what a browser does with the cookie
    // recipe:cookie
    const auth = createAuthClient({
      baseUrl: 'https://api.example.com/',
      cookie: true, // the refresh token stays in an HttpOnly cookie; auth calls use credentials: 'include'
    });
    await auth.login({ username: 'ada', password: 'lovelace' });
    const me = await auth.http.get('api/me').json<{ username: string }>();
    // end
    track(auth);
    expect(me.username).toBe('ada');
    vi.setSystemTime(Date.now() + 61_000);
    await auth.http.get('api/me').json();
    // Two: the start-up attempt to resume from a cookie (none yet), then the refresh.
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
  });

  it('custom refresh', async () => {
    start();
    // recipe:custom
    const auth = createAuthClient({
      baseUrl: 'https://api.example.com/',
      async refresh({ refreshToken, signal }) {
        const response = await fetch('https://api.example.com/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken }),
          signal,
        });
        if (response.status === 401) throw new SessionEndedError('revoked'); // ends the session
        if (!response.ok) throw new Error(`refresh failed (${response.status})`); // transient: retried later
        const body = (await response.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
        return { access_token: body.accessToken, refresh_token: body.refreshToken, expires_in: body.expiresIn };
      },
    });
    // end
    track(auth);
    await auth.login({ username: 'ada', password: 'lovelace' });
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await auth.refresh(); // the second refresh presents the rotated token
    await auth.http.get('api/me').json();
  });

  it('service refresh key', async () => {
    const server = start({ accessTokenTtl: 300, rotation: leeway(30) });
    const minted = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    vi.stubEnv('API_REFRESH_KEY', minted.refreshKey);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // recipe:refresh-key
    const auth = createAuthClient({
      baseUrl: 'https://api.example.com/',
      refreshKey: process.env['API_REFRESH_KEY'] ?? '',
      audience: 'tokenflight-api',
      deviceInfo: 'nightly-export',
    });
    auth.on('session:end', ({ reason }) => {
      console.error(`The service key no longer works (${reason}); mint a new one.`);
    });
    const me = await auth.http.get('api/me').json<{ username: string }>(); // no login step
    // end
    track(auth);
    expect(me.username).toBe('ada');
    await advance(3 * 3_600_000, () => auth.session.refreshing);
    await auth.http.get('api/me').json();
    server.revokeKey(minted.jti);
    await expect(auth.refresh()).rejects.toSatisfy(isSessionEndedError);
    expect(errors).toHaveBeenCalledWith('The service key no longer works (invalid_grant); mint a new one.');
  });

  it('sessions API', async () => {
    const server = start();
    const phone = createAuthClient({ baseUrl: 'https://api.example.com/', deviceInfo: 'Safari on iPhone', autoRefresh: false });
    track(phone);
    await phone.login({ username: 'ada', password: 'lovelace' });
    const auth = createAuthClient({ baseUrl: 'https://api.example.com/', deviceInfo: 'Firefox on Linux' });
    track(auth);
    await auth.login({ username: 'ada', password: 'lovelace' });
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    // recipe:sessions
    const sessions = await auth.sessions.list(); // GET auth/keys, with the Bearer token
    for (const s of sessions) {
      console.log(`${s.deviceInfo ?? 'unknown device'} — last used ${new Date(s.lastUsedAt ?? s.createdAt ?? 0).toISOString()}`);
    }
    const phoneSession = sessions.find((s) => s.deviceInfo === 'Safari on iPhone');
    if (phoneSession) await auth.sessions.revoke(phoneSession.jti); // DELETE auth/keys/:jti
    // end
    expect(lines).toEqual(['Safari on iPhone — last used 2030-01-01T00:00:00.000Z', 'Firefox on Linux — last used 2030-01-01T00:00:00.000Z']);
    await expect(phone.refresh()).rejects.toSatisfy(isSessionEndedError);
    expect(server.keys('ada').filter((k) => k.revokedAt === null).map((k) => k.deviceInfo)).toEqual(['Firefox on Linux']);
  });

  it('every recipe in README.md is the code tested here, verbatim', () => {
    const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const names = [...source.matchAll(/^ *\/\/ recipe:([\w-]+)$/gm)].map((m) => m[1] ?? '');
    expect(names).toEqual(['json', 'oauth', 'cookie', 'custom', 'refresh-key', 'sessions']);
    for (const name of names) {
      const tested = new RegExp(`^( *)// recipe:${name}\\n([\\s\\S]*?)\\n *// end$`, 'm').exec(source);
      const indent = tested?.[1]?.length ?? 0;
      const code = (tested?.[2] ?? '').split('\n').map((line) => line.slice(indent)).join('\n');
      const block = new RegExp(`<!-- recipe:${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(doc)?.[1] ?? '';
      const documented = block.split('\n').filter((line) => !line.startsWith('import ')).join('\n').trim();
      expect(documented, `recipe ${name}`).toBe(code.trim());
    }
  });
});
