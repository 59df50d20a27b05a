import { DisposedError, RefreshError } from '../errors';
import type { Machine } from './machine';
import type { Refresher } from './refresher';
import { tokensOf } from './state';
import type { TokenSet } from './token-set';

/** How long a token the server refused right after a refresh is not refreshed again on a 401. */
const REJECTED_COOLDOWN_MS = 10_000;

/**
 * What a request asks of the session: the token to send now (refreshed first when due or refused),
 * the token to replay with after a 401 (no second refresh for an older token), and the last check
 * before a send that the token's session has not ended. A transient failure's backoff is honoured
 * here: a request probes the endpoint at most every `backoff.base` (see `retry-policy.ts`).
 */
export function createRequestGate(machine: Machine, refresher: Refresher, ready: (signal?: AbortSignal | null) => Promise<void> | undefined) {
  const { epochs, waiters, now, isDue } = machine;
  const disposed = () => machine.read().kind === 'disposed';
  /** The token set a server refused (401) whose refresh has not succeeded yet: never sent again. */
  let refused: TokenSet | null = null;
  let rejected: { generation: number; at: number } | null = null;
  let reactiveGeneration = 0;

  /** Not to be sent: expired, or refused by the server. */
  const isDead = (t: TokenSet) => t === refused || t.accessToken === null || (t.expiresAt !== null && now() >= t.expiresAt);

  return {
    isRefused: (t: TokenSet): boolean => t === refused,

    /** The token set a request should use now: waits for hydration and any refresh; refreshes first when due. */
    async usable(signal?: AbortSignal | null): Promise<TokenSet | null> {
      if (disposed()) throw new DisposedError();
      signal?.throwIfAborted();
      await ready(signal);
      const t = tokensOf(machine.read());
      if (t === null) return null;
      if (refresher.current() === null) {
        if (!isDue(t) && t !== refused) return t;
        const until = refresher.blocked('request');
        if (until !== null) {
          if (!isDead(t)) return t;
          throw refresher.backingOff(until);
        }
      }
      try {
        return await waiters.wait(refresher.refresh('request'), signal);
      } catch (error) {
        // A failed early refresh must not fail a request whose token is still valid.
        // (The same access token may come back in a new set that only kept a rotated refresh token.)
        const kept = tokensOf(machine.read());
        if (error instanceof RefreshError && kept !== null && kept.accessToken === t.accessToken && !isDead(kept) && t !== refused) return kept;
        throw error;
      }
    },

    /** Throws when `t` belongs to a session that has ended here: checked right before a request is sent with it. */
    assertCurrent(t: TokenSet): void {
      const s = machine.read();
      if (s.kind === 'disposed') throw new DisposedError();
      epochs.assertCurrent(t, s.epoch);
    },

    /** After a 401 for `sent`: the newer token of the same session (no refresh if one already exists), `null` when signed out; an ended session's error. */
    async afterUnauthorized(sent: TokenSet, signal?: AbortSignal | null): Promise<TokenSet | null> {
      const s = machine.read();
      if (s.kind === 'disposed') throw new DisposedError();
      // The session this request's token belonged to ended while it was on the way (a logout, a new
      // login): it gets the error that ended it, never a replay with another session's token.
      epochs.assertNotEnded(sent, s.epoch);
      const t = tokensOf(s);
      if (t === null) return null;
      const inflight = refresher.current();
      if (t.generation > sent.generation && t.accessToken !== null && inflight === null) return t;
      // The server refused this very token right after it was issued: another refresh would not help.
      if (inflight === null && rejected?.generation === t.generation && now() - rejected.at < REJECTED_COOLDOWN_MS) return null;
      if (inflight === null) {
        // Until a refresh succeeds, this token is not sent again (not even after a resume).
        refused = t;
        const until = refresher.blocked('request');
        if (until !== null) throw refresher.backingOff(until);
      }
      const next = await waiters.wait(refresher.refresh('unauthorized'), signal);
      reactiveGeneration = next.generation;
      return next;
    },

    /** A replay still got 401. When its token came from the refresh that 401s asked for, refreshing again would not help for a while. */
    rejectedAfterRefresh(generation: number): void {
      if (generation === reactiveGeneration) rejected = { generation, at: now() };
    },
  };
}
