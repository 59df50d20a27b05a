/** The server-contract tests' shared set-up: one MSW server (unhandled requests are errors, loopback passes through) and helpers. */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { createAuthServer, type AuthServer, type AuthServerOptions, type ListeningServer } from '../../src/testing';
import type { AuthBody } from './support';

// Unhandled requests are errors; only real loopback sockets (127.0.0.1:<port>) pass through.
export const loopbackPassthrough = http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough());
export const msw = setupServer(loopbackPassthrough);
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  msw.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => msw.close());

export const listening: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(listening.splice(0).map((entry) => entry.close().catch(() => undefined)));
});

export function start(options?: AuthServerOptions): AuthServer {
  const server = createAuthServer(options);
  msw.use(...server.handlers);
  return server;
}

export async function loopback(server: AuthServer): Promise<ListeningServer> {
  const entry = await server.listen({ port: 0 });
  listening.push(entry);
  return entry;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function jsonInit(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function formInit(params: Record<string, string> | string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
  };
}

export const bearer = (token: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });

export async function loginAt(base: string, body: Record<string, unknown> = {}): Promise<AuthBody> {
  const response = await fetch(`${base}/auth/login`, jsonInit({ username: 'ada', password: 'lovelace', ...body }));
  expect(response.status).toBe(200);
  return (await response.json()) as AuthBody;
}

export function refreshAt(base: string, refreshToken: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${base}/auth/refresh`, jsonInit({ refreshToken, ...extra }));
}

export async function pairOf(response: Response): Promise<AuthBody> {
  expect(response.status).toBe(200);
  return (await response.json()) as AuthBody;
}

/** Headers a client can rely on: transport-level ones (socket, framing) and Date are left out. */
export const TRANSPORT = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);
export function appHeaders(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!TRANSPORT.has(name)) out[name] = value;
  });
  return out;
}

/** A raw HTTP/1.1 exchange on a fresh socket, bypassing fetch (hostile bytes, keep-alive). */
export function rawExchange(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(request);
  });
}
