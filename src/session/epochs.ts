import { SessionEndedError } from '../errors';
import type { TokenSet } from './token-set';

/**
 * The epochs of one client: bumped by every logout, login and end, so nothing from an older session
 * lands in a newer one. It remembers which epoch each committed token set belongs to and why the
 * recent epochs began: a request holding a token of an ended session gets the error that ended it,
 * never a replay with another session's token.
 */
export function createEpochs() {
  let current = 0;
  const of = new WeakMap<TokenSet, number>();
  const causes = new Map<number, SessionEndedError>();
  /** Why the epoch after `epoch` began (the end of the session `epoch` held). */
  const endOf = (epoch: number): SessionEndedError => causes.get(epoch + 1) ?? new SessionEndedError('logout');
  return {
    get current(): number {
      return current;
    },
    /** A new epoch begins because of `error` (kept for the last 16 epochs). */
    next(error: unknown): void {
      current++;
      if (error instanceof SessionEndedError) causes.set(current, error);
      for (const old of causes.keys()) if (old <= current - 16) causes.delete(old);
    },
    /** `tokens` was committed in the current epoch. */
    adopt(tokens: TokenSet): void {
      of.set(tokens, current);
    },
    /** Throws the error that ended `tokens`' session when that session is no longer the current one. */
    assertCurrent(tokens: TokenSet): void {
      const at = of.get(tokens);
      if (at !== current) throw endOf(at ?? current - 1);
    },
    /** Like `assertCurrent`, for a token this client may never have committed (unknown: no verdict). */
    assertNotEnded(tokens: TokenSet): void {
      const at = of.get(tokens);
      if (at !== undefined && at !== current) throw endOf(at);
    },
  };
}

export type Epochs = ReturnType<typeof createEpochs>;
