/** Where a code flow keeps its verifier, state and nonce for the round trip (sessionStorage fits). */
export interface TransactionStore {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** One authorization request waiting for its callback. Never logged, never in a URL. */
export interface Transaction {
  readonly verifier: string;
  /** OpenID requests only. */
  readonly nonce: string | null;
  readonly redirectUri: string;
  readonly expiresAt: number;
  /** The `max_age` (seconds) the request asked for: the ID token's `auth_time` is then checked. */
  readonly authMaxAge?: number | null;
}

const PREFIX = 'tokenflight.code-flow.';

/** sessionStorage in a browser tab (the tab that started the sign-in finishes it), else a store of this flow's own. */
export function defaultTransactionStore(): TransactionStore {
  const session = (globalThis as { sessionStorage?: TransactionStore }).sessionStorage;
  if (session !== undefined) return session;
  const map = new Map<string, string>();
  return { getItem: (key) => map.get(key), setItem: (key, value) => void map.set(key, value), removeItem: (key) => void map.delete(key) };
}

export async function saveTransaction(store: TransactionStore, state: string, transaction: Transaction): Promise<void> {
  await store.setItem(PREFIX + state, JSON.stringify(transaction));
}

/** A promise of any realm (an adapter's own, another frame's): `instanceof Promise` would miss those. */
const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

/** Takes the transaction of `state` out of the store (single use); `null` when unknown, expired or unreadable. */
export async function takeTransaction(store: TransactionStore, state: string, now: number): Promise<Transaction | null> {
  // A synchronous store (sessionStorage) is read and emptied in one step: two callbacks handled at once
  // (React StrictMode's double effect, two flows on one store) never both get the verifier, so the code is
  // exchanged once (a second exchange would make the server revoke what the first one got, RFC 6749 §4.1.2).
  const got = store.getItem(PREFIX + state);
  const raw = isThenable(got) ? await got : got;
  if (typeof raw !== 'string') return null;
  const removed = store.removeItem(PREFIX + state);
  if (isThenable(removed)) await removed;
  try {
    const parsed = JSON.parse(raw) as Partial<Transaction>;
    const valid =
      typeof parsed.verifier === 'string' &&
      (parsed.nonce === null || typeof parsed.nonce === 'string') &&
      typeof parsed.redirectUri === 'string' &&
      typeof parsed.expiresAt === 'number' &&
      parsed.expiresAt > now &&
      (parsed.authMaxAge === undefined || parsed.authMaxAge === null || (typeof parsed.authMaxAge === 'number' && parsed.authMaxAge >= 0));
    return valid ? (parsed as Transaction) : null;
  } catch {
    return null;
  }
}
