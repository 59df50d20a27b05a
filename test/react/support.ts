import { setupServer } from 'msw/node';
import { act, createElement, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../src';
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../src/testing';

export const API = 'https://auth.test/';
export { act, createElement as h };

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** One strict MSW server per file; every client and root made through it is torn down after each test. */
export function setup() {
  const msw = setupServer();
  const clients: AuthClient[] = [];
  const roots: Root[] = [];
  beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    for (const root of roots.splice(0)) act(() => root.unmount());
    for (const client of clients.splice(0)) client.dispose();
    msw.resetHandlers();
    document.body.replaceChildren();
  });
  afterAll(() => msw.close());

  return {
    server(options: AuthServerOptions = {}): AuthServer {
      const server = createAuthServer(options);
      msw.use(...server.handlers);
      return server;
    },
    client(options: Partial<AuthClientOptions> = {}): AuthClient {
      const client = createAuthClient({ baseUrl: API, deviceInfo: 'test', autoRefresh: false, ...options });
      clients.push(client);
      return client;
    },
    /** Renders into a fresh container inside `act`; returns the container and the root. */
    async render(node: ReactNode) {
      const container = document.createElement('div');
      document.body.append(container);
      const root = createRoot(container);
      roots.push(root);
      await act(async () => root.render(node));
      return { container, root, text: () => container.textContent ?? '' };
    },
  };
}

/** Counts live `session:change` subscriptions on a client (subscribe minus unsubscribe). */
export function trackSubscriptions(client: AuthClient) {
  const on = client.on.bind(client);
  let live = 0;
  let total = 0;
  client.on = (type, listener) => {
    const off = on(type, listener);
    if (type !== 'session:change') return off;
    live++;
    total++;
    let done = false;
    return () => {
      if (!done) live--;
      done = true;
      off();
    };
  };
  return { live: () => live, total: () => total };
}

export const signIn = (client: AuthClient) => client.login({ username: 'ada', password: 'lovelace' });
