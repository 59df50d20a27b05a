/**
 * The script of one "tab" in the real-browser tests: a tokenflight client on `localStorage`, with the
 * default Web Locks lock and BroadcastChannel channel, driven by the test through `window.harness`.
 * Bundled with esbuild by the test; the API origin and options come from the page's query string.
 */
import { createAuthClient, webStorage, type AuthEventName, type AuthEvents, type Clock, type SessionSnapshot } from '../../src';

export interface HarnessEvent {
  type: AuthEventName;
  payload: unknown;
}

export type HarnessResult = { ok: true; value: unknown } | { ok: false; error: string };

export interface Harness {
  session(): SessionSnapshot;
  events(): HarnessEvent[];
  ready(): Promise<void>;
  login(): Promise<SessionSnapshot>;
  logout(): Promise<SessionSnapshot>;
  /** GET through `auth.http`; never rejects, so the test sees every outcome. */
  get(path: string): Promise<HarnessResult>;
  /** Starts a GET and keeps its promise in `pending` (for requests the test awaits later). */
  start(path: string): void;
  pending(): Promise<HarnessResult> | null;
  /** Moves this tab's clock forward (the server's is moved by the same amount). */
  skew(ms: number): void;
  /** From now on, refresh calls never leave the tab: the request hangs as if lost on the network. */
  holdRefresh(): void;
  heldRefreshes(): number;
}

declare global {
  interface Window {
    harness: Harness;
  }
}

const params = new URL(location.href).searchParams;
const api = params.get('api') ?? '';
let offset = 0;
let hold = false;
let held = 0;
let pending: Promise<HarnessResult> | null = null;

const clock: Clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(Math.max(ms, 0), 2 ** 31 - 1)),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

const fetchThroughNetwork: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (hold && url.endsWith('/auth/refresh')) {
    held++;
    return new Promise<Response>(() => undefined);
  }
  return fetch(input, init);
};

const auth = createAuthClient({
  baseUrl: api,
  storage: webStorage(localStorage),
  deviceInfo: 'browser-test',
  clock,
  fetch: fetchThroughNetwork,
  lockTimeout: Number(params.get('lockTimeout') ?? 10_000),
});

const events: HarnessEvent[] = [];
const names: AuthEventName[] = ['session:start', 'session:refresh', 'session:refresh-failed', 'session:end', 'session:error'];
for (const type of names) auth.on(type, (payload: AuthEvents[typeof type]) => events.push({ type, payload }));

const get = (path: string): Promise<HarnessResult> =>
  auth.http
    .get(path)
    .json()
    .then(
      (value): HarnessResult => ({ ok: true, value }),
      (error: unknown): HarnessResult => ({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );

window.harness = {
  session: () => auth.session,
  events: () => events,
  ready: () => auth.ready,
  login: () => auth.login({ username: 'ada', password: 'lovelace' }),
  async logout() {
    await auth.logout();
    return auth.session;
  },
  get,
  start(path) {
    pending = get(path);
  },
  pending: () => pending,
  skew(ms) {
    offset += ms;
  },
  holdRefresh() {
    hold = true;
  },
  heldRefreshes: () => held,
};
