import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { createAuthClient, manualLifecycle, type AuthClient, type AuthClientOptions, type AuthEventName, type AuthEvents, type LifecycleSignal, type LifecycleSource } from '../../src';
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../src/testing';

export const API = 'https://auth.test/';

/** One MSW server per file, strict about unhandled requests; fake clock for every test. */
export function setup() {
  const msw = setupServer();
  const clients: AuthClient[] = [];
  beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    for (const client of clients.splice(0)) client.dispose();
    msw.resetHandlers();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());

  return {
    msw,
    server(options: AuthServerOptions = {}): AuthServer {
      vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      vi.setSystemTime(Date.UTC(2030, 0, 1));
      const server = createAuthServer(options);
      msw.use(...server.handlers);
      return server;
    },
    client(options: Partial<AuthClientOptions> = {}): AuthClient {
      const client = createAuthClient({ baseUrl: API, random: () => 0.5, deviceInfo: 'test', ...options });
      clients.push(client);
      return client;
    },
  };
}

const TRANSITIONS: AuthEventName[] = ['session:start', 'session:refresh', 'session:refresh-failed', 'session:end', 'session:error'];

/** Records every event of a client except `session:change`, in order. */
export const record = (client: AuthClient) => recordEvents(client, TRANSITIONS);

/** Records every event of a client, `session:change` included, in order. */
export const recordAll = (client: AuthClient) => recordEvents(client, [...TRANSITIONS, 'session:change']);

function recordEvents(client: AuthClient, names: readonly AuthEventName[]) {
  const events: Array<{ type: AuthEventName; payload: unknown }> = [];
  for (const type of names) client.on(type, (payload: AuthEvents[typeof type]) => events.push({ type, payload }));
  return {
    events,
    of: <K extends AuthEventName>(type: K) => events.filter((e) => e.type === type).map((e) => e.payload as AuthEvents[K]),
  };
}

export const signIn = (client: AuthClient) => client.login({ username: 'ada', password: 'lovelace' });

/** Moves the wall clock without firing timers (a visibly expired token, a laptop lid reopened). */
export const jump = (ms: number) => vi.setSystemTime(Date.now() + ms);

/** Lets in-flight mocked responses arrive (they need real macrotasks, which fake timers leave alone). */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Advances the fake clock by `ms` the way time really passes: in steps of at most `step` ms, letting
 * background work finish on real time after each step while `busy()` says so (a refresh the timer
 * started, its round trip through MSW, the server's WebCrypto). A long fake advance then never runs
 * past a refresh's own timeout while its real I/O is still on the way.
 */
export async function advance(ms: number, busy: () => boolean = () => false, step = 1_000): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, left));
    const deadline = performance.now() + 2_000;
    do await flush(5);
    while (busy() && performance.now() < deadline);
  }
}

/**
 * Holds the next calls to `path` until `release()`: a deterministic slow endpoint (no timers).
 * `entered` resolves when the first call arrives, `done` when the server has answered it.
 */
export function hold(server: AuthServer, msw: ReturnType<typeof setupServer>, path: string, method: 'get' | 'post' = 'post') {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const arrived = new Promise<void>((resolve) => (entered = resolve));
  let answered!: () => void;
  const done = new Promise<void>((resolve) => (answered = resolve));
  msw.use(
    http[method](`${server.origin}${path}`, async ({ request }) => {
      entered();
      await gate;
      const response = await server.handle(request);
      answered();
      return response;
    }),
  );
  return { entered: arrived, release, done };
}

/** Answers the next refresh with the server's real (rotated) refresh token but an unusable rest of the body. */
export function poisonNextRefresh(server: AuthServer, msw: ReturnType<typeof setupServer>, edit: (body: Record<string, unknown>) => Record<string, unknown>): void {
  let poison = true;
  msw.use(
    http.post(`${server.origin}/auth/refresh`, async ({ request }) => {
      const response = await server.handle(request);
      if (!poison) return response;
      poison = false;
      return HttpResponse.json(edit((await response.json()) as Record<string, unknown>));
    }),
  );
}

/** A manual lifecycle that counts its live subscriptions. */
export function countingLifecycle(): LifecycleSource & { readonly listeners: number; emit(signal: LifecycleSignal): void } {
  const inner = manualLifecycle();
  let listeners = 0;
  return {
    isVisible: inner.isVisible,
    isOnline: inner.isOnline,
    emit: inner.emit,
    get listeners() {
      return listeners;
    },
    subscribe(fn) {
      listeners++;
      const stop = inner.subscribe(fn);
      let stopped = false;
      return () => {
        if (!stopped) listeners--;
        stopped = true;
        stop();
      };
    },
  };
}
