/**
 * The script of one "tab" in the real-browser tests: a tokenflight client on `localStorage`, with the
 * default Web Locks lock and BroadcastChannel channel, driven by the test through `window.harness`.
 * Bundled with esbuild by the test; the API origin and options come from the page's query string
 * (`dpop=1` turns DPoP on with the default key source: a non-extractable key in IndexedDB).
 */
import { createAuthClient, dpop, webStorage, type AuthEventName, type AuthEvents, type Clock, type SessionSnapshot } from '../../src';

export interface HarnessEvent {
  type: AuthEventName;
  payload: unknown;
}

/** What one request carried, as it left the tab (the key's public JWK and the token's `cnf.jkt`; never a token). */
export interface WireRecord {
  readonly path: string;
  readonly scheme: string | null;
  /** The public JWK of the request's DPoP proof (header `jwk`), JSON. */
  readonly proofJwk: string | null;
  /** `cnf.jkt` of a JWT access token sent with the request. */
  readonly tokenJkt: string | null;
}

/** The stored DPoP key pair as IndexedDB holds it (what the structured clone kept, never key material). */
export interface StoredKeyInfo {
  readonly privateExtractable: boolean;
  readonly privateType: string;
  readonly algorithm: string;
  readonly usages: readonly string[];
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
  /** Every request this tab sent (what DPoP is about only). */
  wire(): WireRecord[];
  /** The DPoP key pair stored in IndexedDB for this client, read directly from the database; null when none. */
  storedKey(): Promise<StoredKeyInfo | null>;
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
const wire: WireRecord[] = [];

const jsonPart = (jwt: string, index: number): Record<string, unknown> | null => {
  try {
    const part = jwt.split('.')[index] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return null;
  }
};

function record(url: string, headers: Headers): void {
  const authorization = headers.get('authorization');
  const [scheme, token] = authorization === null ? [null, null] : authorization.split(' ');
  const proof = headers.get('dpop');
  const jwk = proof === null ? undefined : jsonPart(proof, 0)?.['jwk'];
  const cnf = token === null || token === undefined ? undefined : jsonPart(token, 1)?.['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>)['jkt'] : undefined;
  wire.push({
    path: new URL(url).pathname,
    scheme: scheme ?? null,
    proofJwk: jwk === undefined ? null : JSON.stringify(jwk),
    tokenJkt: typeof jkt === 'string' ? jkt : null,
  });
}

function storedKey(): Promise<StoredKeyInfo | null> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('tokenflight-dpop');
    open.onerror = () => reject(open.error ?? new Error('open failed'));
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('keys')) {
        db.close();
        resolve(null);
        return;
      }
      const get = db.transaction('keys', 'readonly').objectStore('keys').get('tokenflight:tokenflight.session');
      get.onerror = () => reject(get.error ?? new Error('get failed'));
      get.onsuccess = () => {
        db.close();
        const pair = get.result as CryptoKeyPair | undefined;
        resolve(
          pair === undefined
            ? null
            : {
                privateExtractable: pair.privateKey.extractable,
                privateType: pair.privateKey.type,
                algorithm: pair.privateKey.algorithm.name,
                usages: [...pair.privateKey.usages],
              },
        );
      };
    };
  });
}

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
  record(url, new Headers(input instanceof Request ? input.headers : init?.headers));
  return fetch(input, init);
};

const auth = createAuthClient({
  baseUrl: api,
  storage: webStorage(localStorage),
  deviceInfo: 'browser-test',
  clock,
  fetch: fetchThroughNetwork,
  lockTimeout: Number(params.get('lockTimeout') ?? 10_000),
  ...(params.get('dpop') === '1' ? { dpop: dpop() } : {}),
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
  wire: () => wire,
  storedKey,
};
