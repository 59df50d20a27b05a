export type SyncMessage =
  /** A new token set was committed to storage; receivers re-read storage. */
  | { type: 'session'; generation: number; from: string }
  /** The session ended; receivers sign out. */
  | { type: 'logout'; generation: number; from: string };

export interface SyncChannel {
  post(msg: SyncMessage): void;
  subscribe(fn: (msg: SyncMessage) => void): () => void;
  close(): void;
}

const KEYS = 'from,generation,type';

/**
 * Validates an untrusted message: exactly `type`, `generation`, `from`, nothing else (so a message
 * carrying anything token-like is dropped). Returns null for anything invalid.
 */
export function parseSyncMessage(data: unknown): SyncMessage | null {
  if (typeof data !== 'object' || data === null || Object.keys(data).sort().join() !== KEYS) return null;
  const { type, generation, from } = data as Record<string, unknown>;
  return (type === 'session' || type === 'logout') &&
    Number.isSafeInteger(generation) &&
    (generation as number) > 0 &&
    typeof from === 'string' &&
    from.length > 0 &&
    from.length <= 64
    ? { type, generation: generation as number, from }
    : null;
}
