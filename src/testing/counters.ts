import type { AuthServerCounters } from './types';

type NumericCounter = {
  [K in keyof AuthServerCounters]: AuthServerCounters[K] extends number ? K : never;
}[keyof AuthServerCounters];

function empty(): AuthServerCounters {
  return {
    loginCalls: 0,
    refreshCalls: 0,
    reuseDetections: 0,
    unauthorized: 0,
    forbidden: 0,
    revocations: 0,
    resourceRequests: 0,
    requestsPerToken: {},
    requestsPerBody: {},
    refreshTokensSeenInUrl: 0,
    bearerOnTokenEndpoint: 0,
    dpopProofsAccepted: 0,
    dpopProofsRejected: {},
    dpopNonceChallenges: 0,
    dpopJtiReplays: 0,
    authorizations: 0,
    codesExchanged: 0,
    pkceFailures: 0,
    codeReuse: 0,
    endSessions: 0,
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Counters that tests assert on. Snapshots are fresh plain objects. */
export class CounterBook {
  #values = empty();

  increment(name: NumericCounter): void {
    this.#values[name] += 1;
  }

  countToken(jti: string): void {
    bump(this.#values.requestsPerToken, jti);
  }

  countBody(key: string): void {
    bump(this.#values.requestsPerBody, key);
  }

  countDpopRejection(reason: string): void {
    bump(this.#values.dpopProofsRejected, reason);
  }

  snapshot(): AuthServerCounters {
    return {
      ...this.#values,
      dpopProofsRejected: { ...this.#values.dpopProofsRejected },
      requestsPerToken: { ...this.#values.requestsPerToken },
      requestsPerBody: { ...this.#values.requestsPerBody },
    };
  }

  reset(): void {
    this.#values = empty();
  }
}
