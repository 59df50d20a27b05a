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
 * refreshed again. Single-flight per client; bounded by the lock wait and the endpoint timeout.
 */
export function createCookieResume(options: CookieResumeOptions): () => Promise<CookieResume> {
  let inflight: Promise<CookieResume> | null = null;
  async function attempt(): Promise<CookieResume> {
    const run = async (): Promise<CookieResume> => {
      const loaded = await options.persistence.load().catch(() => null);
      if (loaded?.kind === 'session') return { kind: 'stored', tokens: loaded.tokens };
      try {
        return { kind: 'tokens', result: await options.endpoint.refresh(null) };
      } catch (error) {
        return isEndpointFailure(error) && error.failure.kind === 'terminal' ? { kind: 'signed-out' } : { kind: 'unavailable' };
      }
    };
    return options.lock === null ? run() : options.lock.run(options.lockName, options.lockTimeout, run);
  }
  return () =>
    (inflight ??= attempt().finally(() => {
      inflight = null;
    }));
}
