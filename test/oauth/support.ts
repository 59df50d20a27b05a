import { expect } from 'vitest';
import { codeFlow, type AuthClient, type AuthClientOptions, type CodeFlowOptions, type TransactionStore } from '../../src';
import type { AuthServer } from '../../src/testing';
import { setup } from '../client/support';

export const ISSUER = 'https://auth.test';
export const REDIRECT = 'http://app.test/callback';

/** A transaction store whose content a test can read and tamper with. */
export function inspectableStore(): TransactionStore & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value), removeItem: (key) => void map.delete(key) };
}

/** The reference server, and a client whose every request is recorded (url, body). */
export function setupCodeFlow() {
  const env = setup();
  const sent: Array<{ url: string; body: string }> = [];
  return {
    env,
    sent,
    start(serverOptions: Parameters<typeof env.server>[0] = {}) {
      sent.length = 0;
      return env.server(serverOptions);
    },
    client(options: Partial<AuthClientOptions> = {}): AuthClient {
      return env.client({
        protocol: 'oauth',
        clientId: 'tokenflight',
        fetch: async (input, init) => {
          const request = new Request(input, init);
          sent.push({ url: request.url, body: await request.clone().text() });
          return globalThis.fetch(request);
        },
        ...options,
      });
    },
    flow(auth: AuthClient, options: Partial<CodeFlowOptions> = {}) {
      const store = inspectableStore();
      const navigated: string[] = [];
      const flow = codeFlow(auth, { issuer: ISSUER, redirectUri: REDIRECT, scope: 'openid read', store, navigate: (url) => navigated.push(url), ...options });
      return { flow, store, navigated };
    },
  };
}

/** What the browser does between the two halves: follows the authorization URL to the redirect back (no redirect followed). */
export async function consent(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return response.headers.get('location') ?? '';
}

/** A JWT with these claims and a signature nobody checks (the client does not verify ID token signatures). */
export const unsignedJwt = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

/** Waits for background work on real I/O (a revocation), bounded by 5 s of real time; never a fixed sleep. */
export const waitFor = async (check: () => boolean) => {
  const deadline = performance.now() + 5_000;
  while (!check() && performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
};

export type { AuthServer };
