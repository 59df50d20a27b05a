import { decodeSession, encodeSession } from './storage/codec';
import type { StorageAdapter, StoredSession } from './storage/types';
import { decodeClaims, derivedSessionId, idTokenOf, MAX_LIFETIME_MS, type TokenSet } from './token-set';
import type { Clock } from '../lifecycle/clock';

const UNKNOWN_EXPIRY = Number.MAX_SAFE_INTEGER;
const SPENT = /^[\da-f]{8}:[\w-]{1,64}$/;
const SPENT_KEPT = 8;

export type LoadResult = { kind: 'empty' } | { kind: 'invalid' } | { kind: 'session'; tokens: TokenSet };

export function toStored(tokens: TokenSet): StoredSession {
  return {
    v: 1,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.accessToken === null ? 0 : (tokens.expiresAt ?? UNKNOWN_EXPIRY),
    receivedAt: tokens.receivedAt,
    generation: tokens.generation,
    scope: tokens.scope,
    sid: tokens.sessionId,
    ...(tokens.jkt === undefined ? {} : { jkt: tokens.jkt }),
    ...idTokenOf(tokens),
  };
}

/**
 * A stored session as a token set. A receipt time in the future (the device clock went back, or the
 * blob was tampered with) is moved to `now`, keeping at most the stored lifetime, so proactive
 * refresh keeps working.
 */
export function fromStored(stored: StoredSession, now: number = Number.POSITIVE_INFINITY): TokenSet {
  const expiresAt = stored.accessToken === null ? null : stored.expiresAt >= UNKNOWN_EXPIRY ? null : stored.expiresAt;
  const shift = Math.max(0, stored.receivedAt - now);
  return {
    accessToken: stored.accessToken,
    refreshToken: stored.refreshToken,
    // Lifetimes are believed up to a year, from storage as from the server.
    expiresAt: expiresAt === null ? null : Math.min(expiresAt, stored.receivedAt + MAX_LIFETIME_MS) - shift,
    receivedAt: stored.receivedAt - shift,
    scope: stored.scope,
    claims: decodeClaims(stored.accessToken),
    generation: stored.generation,
    sessionId: stored.sid ?? derivedSessionId('legacy', stored.refreshToken ?? stored.accessToken),
    ...(stored.jkt === undefined ? {} : { jkt: stored.jkt }),
    ...idTokenOf(stored),
  };
}

/** What a conditional write did. `conflict` carries what the store held instead (and was left alone). */
export type SaveResult = { kind: 'saved' } | { kind: 'skipped' } | { kind: 'conflict'; stored: LoadResult };

export interface Persistence {
  load(): Promise<LoadResult>;
  /**
   * Writes unless `stillCurrent()` is false when the write's turn comes, or `accept` (given what the
   * store holds at that moment) refuses: a compare-and-set, so a tab never overwrites a session
   * another tab ended or replaced meanwhile. Rejects when the store failed (the key is then removed).
   */
  save(tokens: TokenSet, stillCurrent: () => boolean, accept?: (stored: LoadResult) => boolean): Promise<SaveResult>;
  clear(): Promise<void>;
  /**
   * A server's `Retry-After` shared through the store (a sibling key holding a time, never a token), so a
   * tab opened or reloaded during the wait honours it too. `null` when none is pending or it is unreadable.
   */
  retryAfter(): Promise<number | null>;
  setRetryAfter(until: number): Promise<void>;
  /**
   * Refresh tokens the server refused for good, shared through the store (a sibling key holding the
   * last few `fingerprint:sid` entries, never a token), so no context sharing the store sends one again:
   * not one that missed the broadcast, has none, or was opened later. Unreadable or invalid: none.
   */
  spent(): Promise<string[]>;
  addSpent(entry: string): Promise<void>;
  /** Removes the key only if `match` accepts what it holds at the removal's turn. */
  clearIf(match: (stored: LoadResult) => boolean): Promise<void>;
  subscribe(onChange: () => void): () => void;
}

/**
 * One key, one validated JSON blob. Every operation runs in order on one queue, so a write queued
 * before a logout can never land after the logout's removal.
 */
export function createPersistence(storage: StorageAdapter, key: string, now: () => number = () => Date.now(), limit?: { clock: Clock; ms: number }): Persistence {
  // A store call that never settles (a wedged AsyncStorage, a hung keychain) must not wedge the queue: it fails after `limit.ms`.
  const bounded = <T>(work: T | Promise<T>): Promise<T> =>
    limit === undefined || typeof (work as { then?: unknown } | null)?.then !== 'function'
      ? Promise.resolve(work)
      : new Promise<T>((resolve, reject) => {
          const timer = limit.clock.setTimeout(() => reject(new Error('The storage did not answer in time.')), limit.ms);
          Promise.resolve(work).then(
            (value) => (limit.clock.clearTimeout(timer), resolve(value)),
            (error: unknown) => (limit.clock.clearTimeout(timer), reject(error)),
          );
        });
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => T | Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  const remove = async () => {
    try {
      await bounded(storage.removeItem(key));
    } catch {
      // Nothing better to do: the blob is validated on every load anyway.
    }
  };
  const read = async (): Promise<LoadResult> => {
    const raw = await bounded(storage.getItem(key));
    if (raw === null || raw === undefined) return { kind: 'empty' };
    const decoded = typeof raw === 'string' ? decodeSession(raw) : ({ ok: false } as const);
    if (decoded.ok) return { kind: 'session', tokens: fromStored(decoded.session, now()) };
    await remove();
    return { kind: 'invalid' };
  };

  // A sibling key beside the session (a time, fingerprints: never a token): read without `value` (unreadable: `null`), else written (a failure is let go).
  const sibling = async (name: string, value?: string): Promise<unknown> => {
    try {
      return await bounded(value === undefined ? storage.getItem(`${key}:${name}`) : storage.setItem(`${key}:${name}`, value));
    } catch {
      return null;
    }
  };
  const readSpent = async (): Promise<string[]> => {
    const raw = await sibling('spent');
    return typeof raw === 'string' && raw.length < 1024 ? raw.split(' ').filter((entry) => SPENT.test(entry)).slice(-SPENT_KEPT) : [];
  };

  return {
    load: () => enqueue(read),
    save: (tokens, stillCurrent, accept) =>
      enqueue(async (): Promise<SaveResult> => {
        if (!stillCurrent()) return { kind: 'skipped' };
        if (accept !== undefined) {
          const stored = await read().catch((): LoadResult | null => null);
          // An unreadable store cannot veto the write (the write then most likely fails too).
          if (stored !== null && !accept(stored)) return { kind: 'conflict', stored };
        }
        try {
          await bounded(storage.setItem(key, encodeSession(toStored(tokens))));
          return { kind: 'saved' };
        } catch (error) {
          // Never leave an older (now rotated) refresh token behind.
          await remove();
          throw error;
        }
      }),
    retryAfter: () =>
      enqueue(async () => {
        const raw = await sibling('retry-after');
        const until = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : null;
        // Never believed beyond a day (as `Retry-After` itself is clamped).
        return until !== null && until > now() && until <= now() + 86_400_000 ? until : null;
      }),
    setRetryAfter: (until) => enqueue(async () => void (await sibling('retry-after', String(Math.round(until))))),
    spent: () => enqueue(readSpent),
    addSpent: (entry) =>
      enqueue(async () => void (await sibling('spent', [...(await readSpent()).filter((e) => e !== entry), entry].slice(-SPENT_KEPT).join(' ')))),
    clear: () => enqueue(remove),
    clearIf: (match) =>
      enqueue(async () => {
        const stored = await read().catch(() => null);
        if (stored !== null && match(stored)) await remove();
      }),
    subscribe: (onChange) => {
      try {
        return storage.subscribe?.(key, onChange) ?? (() => undefined);
      } catch {
        // An adapter that cannot notify: other contexts still converge through the broadcast and every load.
        return () => undefined;
      }
    },
  };
}
