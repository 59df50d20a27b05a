// @vitest-environment jsdom
// Server render (react-dom/server) then hydration in jsdom (hydrateRoot), the way a server-rendered app
// (Next.js, Remix...) starts: the server has no session, the browser restores one from storage. Any
// hydration warning or error fails the test.
import { renderToString } from 'react-dom/server';
import { hydrateRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, type AuthClient, type SessionSnapshot } from '../../src';
import { AuthProvider, loadingSession, signedOutSession, useSession } from '../../src/react';
import { act, h, setup, signIn } from './support';

const env = setup();
const roots: Root[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) act(() => root.unmount());
});

function Status() {
  const session = useSession();
  const who = typeof session.claims?.['sub'] === 'string' ? session.claims['sub'] : '-';
  return h('p', null, `${session.status}|${who}`);
}

const app = (client: AuthClient, initialSession?: SessionSnapshot) =>
  h(AuthProvider, initialSession === undefined ? { client } : { client, initialSession }, h('main', null, h(Status), h('footer', null, 'ok')));

/** A browser client that has restored a signed-in session from storage before hydration starts. */
async function restoredClient(): Promise<AuthClient> {
  const storage = memoryStorage();
  await signIn(env.client({ storage }));
  const browser = env.client({ storage });
  await browser.ready;
  expect(browser.session.status).toBe('authenticated');
  return browser;
}

/** Hydrates `html` with `node`; every recoverable error and console.error is collected as a failure. */
async function hydrate(html: string, node: ReturnType<typeof app>) {
  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.append(container);
  const problems: unknown[] = [];
  const consoleError = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void problems.push(args));
  await act(async () => {
    roots.push(hydrateRoot(container, node, { onRecoverableError: (error) => void problems.push(error) }));
  });
  consoleError.mockRestore();
  return { container, problems, text: () => container.textContent ?? '' };
}

describe('hydration after a server render', () => {
  it('the server rendered signed out, the browser restored a session: no mismatch, then the live session', async () => {
    env.server();
    const server = env.client();
    await server.ready;
    const html = renderToString(app(server, server.session));
    expect(html).toContain('unauthenticated|-');

    const browser = await restoredClient();
    const page = await hydrate(html, app(browser, server.session));
    expect(page.problems).toEqual([]);
    // Right after hydration the live snapshot takes over.
    expect(page.text()).toBe('authenticated|adaok');
  });

  it('signedOutSession and loadingSession render the same on both sides', async () => {
    env.server();
    for (const initial of [signedOutSession, loadingSession]) {
      const html = renderToString(app(env.client(), initial));
      expect(html).toContain(`${initial.status}|-`);
      const page = await hydrate(html, app(await restoredClient(), initial));
      expect(page.problems).toEqual([]);
      expect(page.text()).toBe('authenticated|adaok');
    }
  });

  it('after hydration the provider follows the live session (logout re-renders)', async () => {
    env.server();
    const html = renderToString(app(env.client(), signedOutSession));
    const browser = await restoredClient();
    const page = await hydrate(html, app(browser, signedOutSession));
    await act(() => browser.logout());
    expect(page.text()).toBe('unauthenticated|-ok');
    await act(() => signIn(browser));
    expect(page.text()).toBe('authenticated|adaok');
  });

  it('without initialSession a mismatch is what React reports (the reason the prop exists)', async () => {
    env.server();
    const server = env.client();
    await server.ready;
    const html = renderToString(app(server));
    const page = await hydrate(html, app(await restoredClient()));
    expect(page.problems.length).toBeGreaterThan(0);
    expect(page.text()).toBe('authenticated|adaok');
  });
});
