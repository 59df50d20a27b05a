/**
 * Sign-in flows in a real Chromium against the reference auth server on loopback HTTP, the pages on
 * another port (every API call cross-origin, CORS; the provider's redirects come back to the page origin):
 * - the authorization code flow with PKCE: the page goes to /oauth/authorize (automatic consent), comes
 *   back to its redirect URI and completes the flow; then a refresh, and an RP-initiated logout through
 *   the end-session endpoint and back;
 * - cookie (BFF) mode: a reload resumes the session from the HttpOnly cookie with one silent refresh.
 *
 * Skips when /usr/bin/chromium is missing, unless TOKENFLIGHT_BROWSER=required (CI).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAuthServer, type AuthServerOptions } from '../../src/testing';
import type { HarnessEvent } from './page';
import { browserAvailability, CHROMIUM, stored, useChromium, WAIT } from './support';

const { skip } = browserAvailability('sign-in');

describe.skipIf(skip)(`sign-in flows in real Chromium (${CHROMIUM})`, () => {
  const chromium = useChromium(new URL('./flow-page.ts', import.meta.url));
  const { site } = chromium;

  /** A fresh server and browser context; one page opened at `/` in `mode`, every document navigation recorded. */
  async function open(mode: 'code' | 'cookie', options: AuthServerOptions = {}) {
    const server = createAuthServer({ rotation: 'strict', ...options });
    const { api, context, url } = await chromium.start(server, `&mode=${mode}`);
    const page = await chromium.newPage();
    const navigations: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
    });
    await page.goto(url);
    await page.evaluate(() => window.flowHarness.ready());
    return { server, api, context, page, navigations };
  }

  const events = (page: Page): Promise<HarnessEvent[]> => page.evaluate(() => window.flowHarness.events());
  const status = (page: Page) => page.evaluate(() => window.flowHarness.session().status);

  it('code flow with PKCE: redirect, automatic consent, callback completed; then one refresh and an RP-initiated logout and back', async () => {
    const client = { clientId: 'tokenflight', redirectUris: [`${site.url}/callback`], postLogoutRedirectUris: [`${site.url}/`] };
    const users = [{ username: 'ada', password: 'lovelace', sub: 'user-ada', scope: 'read write', claims: { name: 'Ada Lovelace', email: 'ada@example.com' } }];
    const { server, api, page, navigations } = await open('code', { clients: [client], users });
    expect(await status(page)).toBe('unauthenticated');

    // The page leaves for the provider and comes back to its redirect URI, where the script completes the flow.
    const started = performance.now();
    await Promise.all([page.waitForURL(`${site.url}/callback**`), page.evaluate(() => void window.flowHarness.redirect())]);
    await page.waitForFunction(() => window.flowHarness?.completion() !== null, undefined, WAIT);
    const completion = await page.evaluate(() => window.flowHarness.completion());
    const elapsed = performance.now() - started;
    expect(completion).toMatchObject({ ok: true, value: { status: 'authenticated' } });

    const [authorize, callback] = navigations.slice(-2).map((url) => new URL(url));
    expect(authorize?.origin).toBe(api?.url);
    expect(authorize?.pathname).toBe('/oauth/authorize');
    expect(Object.fromEntries(authorize?.searchParams ?? [])).toMatchObject({
      response_type: 'code',
      client_id: 'tokenflight',
      redirect_uri: `${site.url}/callback`,
      scope: 'openid profile read',
      code_challenge_method: 'S256',
    });
    expect(authorize?.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize?.searchParams.get('nonce')).toBeTruthy();
    // The provider answered at the redirect URI with code, state and iss (RFC 9207)...
    expect(`${callback?.origin}${callback?.pathname}`).toBe(`${site.url}/callback`);
    expect(callback?.searchParams.get('code')).toBeTruthy();
    expect(callback?.searchParams.get('state')).toBe(authorize?.searchParams.get('state'));
    expect(callback?.searchParams.get('iss')).toBe(api?.url);
    // ...which no longer holds them: the address bar is clean, the history entry too.
    expect(page.url()).toBe(`${site.url}/callback`);

    const session = await page.evaluate(() => window.flowHarness.session());
    expect(session).toMatchObject({ status: 'authenticated', user: { sub: 'user-ada', name: 'Ada Lovelace', email: 'ada@example.com', aud: 'tokenflight', iss: api?.url } });
    expect(server.counters).toMatchObject({ authorizations: 1, refreshCalls: 0 });
    expect(await stored(page)).not.toBeNull();
    // Nothing secret left behind for the round trip: the transaction was taken from sessionStorage.
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k !== 'flow-harness.config'))).toEqual([]);
    const starts = (await events(page)).filter((e) => e.type === 'session:start').map((e) => e.payload);
    expect(starts).toEqual([expect.objectContaining({ source: 'login', generation: 1 })]);
    expect(await page.evaluate(() => window.flowHarness.get('api/me'))).toMatchObject({ ok: true, value: { username: 'ada' } });

    // A refresh at the discovered token endpoint: one call, the next generation.
    expect(await page.evaluate(() => window.flowHarness.refresh())).toMatchObject({ ok: true, value: { status: 'authenticated', generation: 2 } });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });

    // RP-initiated logout: revocation, then the end-session endpoint, which sends the browser back to `/`.
    const before = navigations.length;
    await Promise.all([page.waitForURL(`${site.url}/`), page.evaluate(() => void window.flowHarness.endSession())]);
    await page.evaluate(() => window.flowHarness.ready());
    const [endSession, back] = navigations.slice(before).map((url) => new URL(url));
    expect(`${endSession?.origin}${endSession?.pathname}`).toBe(`${api?.url}/oauth/logout`);
    expect(endSession?.searchParams.get('id_token_hint')).toBeTruthy();
    expect(endSession?.searchParams.get('post_logout_redirect_uri')).toBe(`${site.url}/`);
    expect(back?.href).toBe(`${site.url}/`);
    expect(server.counters).toMatchObject({ endSessions: 1, revocations: 1 });
    expect(await status(page)).toBe('unauthenticated');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => window.flowHarness.get('api/me'))).toMatchObject({ ok: false });
    expect(server.keys('user-ada').every((k) => k.revokedAt !== null)).toBe(true);
    console.info(`[browser] code flow round trip (authorize, callback, exchange) in ${elapsed.toFixed(0)} ms; refreshCalls=1, endSessions=1`);
  });

  it('cookie mode: a reload resumes from the HttpOnly cookie with one silent refresh; after logout a reload stays signed out', async () => {
    const { server, context, page } = await open('cookie', { cookieMode: true });
    expect(await status(page)).toBe('unauthenticated');
    await page.evaluate(() => window.flowHarness.login());
    // The refresh token is an HttpOnly cookie of the API (same site: loopback, another port), never in the page's storage.
    const cookies = await context?.cookies();
    expect(cookies?.filter((c) => c.name === 'tf_refresh')).toEqual([expect.objectContaining({ httpOnly: true, secure: true, path: '/auth', sameSite: 'Strict', domain: '127.0.0.1' })]);
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(1); // the harness config only

    server.resetCounters();
    await page.reload();
    await page.evaluate(() => window.flowHarness.ready());
    expect(await status(page)).toBe('authenticated');
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    const resumed = await events(page);
    expect(resumed.filter((e) => e.type === 'session:start').map((e) => e.payload)).toEqual([expect.objectContaining({ source: 'cookie' })]);
    expect(resumed.filter((e) => e.type === 'session:end')).toEqual([]);
    expect(await page.evaluate(() => window.flowHarness.get('api/me'))).toMatchObject({ ok: true, value: { username: 'ada' } });

    await page.evaluate(() => window.flowHarness.logout());
    expect(server.counters.revocations).toBe(1);
    expect((await context?.cookies())?.filter((c) => c.name === 'tf_refresh')).toEqual([]);
    server.resetCounters();
    await page.reload();
    await page.evaluate(() => window.flowHarness.ready());
    expect(await status(page)).toBe('unauthenticated');
    // One attempt, answered 401: simply signed out, nothing ended.
    expect(server.counters.refreshCalls).toBe(1);
    expect(await events(page)).toEqual([]);
    console.info('[browser] cookie mode: reload resumed with refreshCalls=1 (source cookie); after logout a reload stayed signed out');
  });
});
