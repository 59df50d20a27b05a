import { SessionEndedError } from '../errors';
import type { TokenSet } from './token-set';

/**
 * The ledger of a client's epochs (the epoch itself is part of the session state, bumped by every
 * end and every new start): which epoch each committed token set belongs to, and why the recent
 * epochs began. A request holding a token of an ended session gets the error that ended it, never a
 * replay with another session's token.
 */
export function createEpochs() {
  const of = new WeakMap<TokenSet, number>();
  const causes = new Map<number, SessionEndedError>();
  /** Why the epoch after `epoch` began (the end of the session `epoch` held). */
  const endOf = (epoch: number): SessionEndedError => causes.get(epoch + 1) ?? new SessionEndedError('logout');
  return {
    /** Epoch `epoch` begins because of `error` (kept for the last 16 epochs). */
    began(epoch: number, error: unknown): void {
      if (error instanceof SessionEndedError) causes.set(epoch, error);
      for (const old of causes.keys()) if (old <= epoch - 16) causes.delete(old);
    },
    /** `tokens` was committed in `epoch`. */
    adopt(tokens: TokenSet, epoch: number): void {
      of.set(tokens, epoch);
    },
    /** Throws the error that ended `tokens`' session when that session is not the one of epoch `current`. */
    assertCurrent(tokens: TokenSet, current: number): void {
      const at = of.get(tokens);
      if (at !== current) throw endOf(at ?? current - 1);
    },
    /** Like `assertCurrent`, for a token this client may never have committed (unknown: no verdict). */
    assertNotEnded(tokens: TokenSet, current: number): void {
      const at = of.get(tokens);
      if (at !== undefined && at !== current) throw endOf(at);
    },
  };
}

export type Epochs = ReturnType<typeof createEpochs>;
