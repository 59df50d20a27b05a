import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../src/testing';

export const ORIGIN = 'https://auth.test';

/** Registers an MSW server for the file; `start` creates an auth server and mounts its handlers. */
export function setupAuthMsw(): (options?: AuthServerOptions) => AuthServer {
  const msw = setupServer();
  beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    msw.resetHandlers();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());
  return (options) => {
    const server = createAuthServer(options);
    msw.use(...server.handlers);
    return server;
  };
}

/** Fake clock that leaves promises and microtasks alone. */
export function useFakeClock(start = Date.UTC(2030, 0, 1)): void {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(start);
}

export interface AuthBody {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

export function postJson(server: AuthServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function postForm(server: AuthServer, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
}

export async function login(server: AuthServer, body: Record<string, unknown> = {}): Promise<AuthBody> {
  const response = await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace', ...body });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  return (await response.json()) as AuthBody;
}

export function refresh(server: AuthServer, refreshToken: string): Promise<Response> {
  return postJson(server, '/auth/refresh', { refreshToken });
}

export function api(server: AuthServer, path: string, token?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${server.origin}${path}`, { ...init, headers });
}

export function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function claimsOf(token: string): Record<string, unknown> {
  return decodePart(token.split('.')[1]);
}
