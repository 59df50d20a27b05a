// Server render in the node environment: no window, no document, no subscription during render.
import { setupServer } from 'msw/node';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from '../../src';
import { createAuthServer } from '../../src/testing';

const msw = setupServer();
const clients: AuthClient[] = [];
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose();
  msw.resetHandlers();
});
afterAll(() => msw.close());

function client(): AuthClient {
  const auth = createAuthClient({ baseUrl: 'https://auth.test/', deviceInfo: 'ssr' });
  clients.push(auth);
  return auth;
}

/** Imports the React entry again while `window` and `document` are traps that count every read. */
async function importWithTraps() {
  const reads: string[] = [];
  const trap = (name: string) => Object.defineProperty(globalThis, name, { configurable: true, get: () => void reads.push(name) });
  trap('window');
  trap('document');
  try {
    vi.resetModules();
    const entry = await import('../../src/react');
    return { entry, reads };
  } finally {
    delete (globalThis as Record<string, unknown>)['window'];
    delete (globalThis as Record<string, unknown>)['document'];
  }
}

describe('server render', () => {
  it('the entry reads no window or document at import', async () => {
    expect(typeof window).toBe('undefined');
    const { entry, reads } = await importWithTraps();
    expect(typeof entry.useSession).toBe('function');
    expect(reads).toEqual([]);
  });

  it('renders the client snapshot as is and subscribes to nothing', async () => {
    const server = createAuthServer();
    msw.use(...server.handlers);
    const { AuthProvider, useSession, useAuthEvent } = await import('../../src/react');
    const auth = client();
    const on = vi.spyOn(auth, 'on');
    function Status() {
      const session = useSession();
      useAuthEvent('session:end', () => undefined);
      return h('p', null, `${session.status}:${session.generation}`);
    }
    const page = () => renderToString(h(AuthProvider, { client: auth }, h(Status)));
    expect(page()).toBe('<p>loading:0</p>');
    await auth.ready;
    expect(page()).toBe('<p>unauthenticated:0</p>');
    await auth.login({ username: 'ada', password: 'lovelace' });
    expect(page()).toBe('<p>authenticated:1</p>');
    expect(on).not.toHaveBeenCalled();
  });
});
