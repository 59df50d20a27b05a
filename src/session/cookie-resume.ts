import { isEndpointFailure } from '../endpoint/failure';
import type { EndpointResult, TokenEndpoint } from '../endpoint/token-endpoint';
import type { LockManager } from '../sync/lock';
import type { Persistence } from './persistence';
import type { TokenSet } from './token-set';

/** What a silent refresh with the HttpOnly cookie found. */
export type CookieResume =
  /** The server answered with tokens: a session to start. */
  | { kind: 'tokens'; result: EndpointResult }
  /** Another tab resumed first and stored its session: adopt it. */
  | { kind: 'stored'; tokens: TokenSet }
  /** A 401 / OAuth error: no valid cookie, simply signed out. */
  | { kind: 'signed-out' }
  /** Network, timeout, 5xx...: nothing known; a later `refresh()` may try again. */
  | { kind: 'unavailable' };

export interface CookieResumeOptions {
  endpoint: Pick<TokenEndpoint, 'refresh'>;
  persistence: Persistence;
  lock: LockManager | null;
  lockName: string;
  lockTimeout: number;
}

/**
 * Cookie (backend-for-frontend) mode with no stored session (a reload with memory storage): one refresh
 * with the cookie alone. Every tab presents the one cookie the browser holds, so it runs under the
 * refresh lock, and inside it re-reads the store first: a tab that resumed meanwhile is adopted, not
 * refreshed again. What was found also lands (is stored) inside the lock, so the next tab to take it
 * finds this one's session — `land` must not take the refresh lock itself. `begin` runs when an
 * attempt starts and returns its landing. Single-flight per client; bounded by the lock wait, the
 * endpoint timeout and the storage timeout.
 */
export function createCookieResume<T>(options: CookieResumeOptions, begin: () => (found: CookieResume) => Promise<T>): () => Promise<T> {
  let inflight: Promise<T> | null = null;
  async function attempt(): Promise<T> {
    const land = begin();
    const run = async (): Promise<T> => {
      const loaded = await options.persistence.load().catch(() => null);
      if (loaded?.kind === 'session') return land({ kind: 'stored', tokens: loaded.tokens });
      let found: CookieResume;
      try {
        found = { kind: 'tokens', result: await options.endpoint.refresh(null) };
      } catch (error) {
        found = isEndpointFailure(error) && error.failure.kind === 'terminal' ? { kind: 'signed-out' } : { kind: 'unavailable' };
      }
      return land(found);
    };
    return options.lock === null ? run() : options.lock.run(options.lockName, options.lockTimeout, run);
  }
  return () =>
    (inflight ??= attempt().finally(() => {
      inflight = null;
    }));
}
