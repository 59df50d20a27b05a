export type SyncMessage =
  /** The shared store changed (new tokens, a new session, or a session ended there); receivers re-read it. */
  | { type: 'session'; generation: number; from: string; sid?: string | null }
  /** A user logged out: receivers end the session `sid`, and any session of theirs that started no later than `at`. */
  | { type: 'logout'; generation: number; from: string; sid?: string | null; at?: number }
  /** The server asked for no refresh of session `sid` before `until` (`Retry-After`). */
  | { type: 'backoff'; generation: number; from: string; sid: string; until: number }
  /** A refresh of session `sid` failed transiently at `at`: receivers probe the endpoint no sooner than they would have. */
  | { type: 'failed'; generation: number; from: string; sid: string; at: number }
  /**
   * The server refused the refresh token of session `sid` for good: receivers holding a refresh token
   * whose fingerprint is `fp` (`fingerprint()`, a 32-bit hash: never the token) end that session and send nothing.
   */
  | { type: 'spent'; generation: number; from: string; sid: string; fp: string };

/** A message as a client hands it to its channel (the channel adds `from`). */
export type OutgoingMessage =
  | { type: 'session'; generation: number; sid: string | null }
  | { type: 'logout'; generation: number; sid: string | null; at: number }
  | { type: 'backoff'; generation: number; sid: string; until: number }
  | { type: 'failed'; generation: number; sid: string; at: number }
  | { type: 'spent'; generation: number; sid: string; fp: string };

export interface SyncChannel {
  post(msg: SyncMessage): void;
  subscribe(fn: (msg: SyncMessage) => void): () => void;
  close(): void;
}

const ALLOWED = new Set(['type', 'generation', 'from', 'sid', 'at', 'until', 'fp']);
const isSid = (v: unknown): v is string => typeof v === 'string' && /^[\w-]{1,64}$/.test(v);
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Validates an untrusted message: only known fields (so a message carrying anything token-like is
 * dropped), each of its type. Returns a copy holding only those fields, or null for anything invalid.
 * Messages of 0.1.0 (`type`, `generation`, `from`) are still understood.
 */
export function parseSyncMessage(data: unknown): SyncMessage | null {
  if (typeof data !== 'object' || data === null || Object.keys(data).some((key) => !ALLOWED.has(key))) return null;
  const { type, generation, from, sid, at, until, fp } = data as Record<string, unknown>;
  if (!Number.isSafeInteger(generation) || (generation as number) <= 0 || typeof from !== 'string' || from.length === 0 || from.length > 64) return null;
  if (!(sid === undefined || sid === null || isSid(sid))) return null;
  const g = generation as number;
  if (type === 'spent') return isSid(sid) && typeof fp === 'string' && /^[\da-f]{8}$/.test(fp) && at === undefined && until === undefined ? { type, generation: g, from, sid, fp } : null;
  if (fp !== undefined) return null;
  if (type === 'session' && at === undefined && until === undefined) return { type, generation: g, from, ...(sid === undefined ? {} : { sid }) };
  if (type === 'logout' && (at === undefined || isTime(at)) && until === undefined) {
    return { type, generation: g, from, ...(sid === undefined ? {} : { sid }), ...(at === undefined ? {} : { at }) };
  }
  if (type === 'backoff' && isSid(sid) && isTime(until) && at === undefined) return { type, generation: g, from, sid, until };
  if (type === 'failed' && isSid(sid) && isTime(at) && until === undefined) return { type, generation: g, from, sid, at };
  return null;
}

/** What a context posts: only the known fields of a valid message (anything else a caller added stays behind). */
export function toWire(message: SyncMessage): SyncMessage | null {
  const known = Object.fromEntries(Object.entries(message).filter(([key]) => ALLOWED.has(key)));
  return parseSyncMessage(known);
}
