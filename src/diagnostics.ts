/** What started, joined or skipped a refresh. */
export type RefreshReason = 'request' | 'unauthorized' | 'manual' | 'timer';

/**
 * One decision of the client, reported to the `debug` option. Redacted: never a token, key, proof,
 * verifier, code or password; URLs are origin + path (no query string).
 */
export type DebugEntry = { at: number } & (
  | {
      /** A request to an origin that is not trusted went out without the token. */
      type: 'token-withheld';
      /** Origin + path of the request. */
      url: string;
      origin: string;
      trustedOrigins: readonly string[];
      /** Set when the origin differs from a trusted one only by a loopback name (localhost, 127.0.0.1, [::1]), the scheme or the port. */
      hint?: string;
    }
  | { type: 'refresh-start'; reason: RefreshReason; generation: number }
  | { type: 'refresh-join'; reason: RefreshReason; generation: number }
  | {
      /** No refresh was sent: the client backs off after a failure, or the server asked to wait (`Retry-After`). */
      type: 'refresh-skip';
      cause: 'backoff' | 'retry-after';
      /** Clock ms before which no refresh is sent on this path. */
      until: number;
      purpose: 'request' | 'background';
    }
  | {
      /** Waited for the cross-tab lock (`lock`), or for another tab's refresh to reach the store (`catch-up`). */
      type: 'lock-wait';
      wait: 'lock' | 'catch-up';
      waitedMs: number;
    }
  | { type: 'lock-timeout'; waitedMs: number; timeoutMs: number }
  | {
      /** Storage failed: a write (the session continues in memory) or a read. */
      type: 'storage-fallback';
      operation: 'write' | 'read';
    }
  | {
      /** Tokens another tab or instance committed were taken over: newer tokens of this session, or another session. */
      type: 'adopt';
      kind: 'newer' | 'other-session';
      via: 'refresh' | 'storage';
      generation: number;
    }
);

/** The entry without `at` (the client stamps it). */
export type DebugNote = DebugEntry extends infer E ? (E extends DebugEntry ? Omit<E, 'at'> : never) : never;

/** The internal reporter: `null` when `debug` is off, so call sites (`note?.({...})`) build nothing. */
export type Note = ((entry: DebugNote) => void) | null;

/** Wraps the user's callback: stamps the clock, and a throwing callback never reaches the client. */
export function createNote(debug: ((entry: DebugEntry) => void) | undefined, now: () => number): Note {
  if (debug === undefined) return null;
  return (entry) => {
    try {
      debug({ ...entry, at: now() } as DebugEntry);
    } catch {
      // Diagnostics never change what the client does.
    }
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `token-withheld` for a request to `url`, with a hint when a trusted origin is a near miss. */
export function withheldNote(url: string, trusted: readonly string[]): DebugNote {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { type: 'token-withheld', url: '', origin: 'null', trustedOrigins: [...trusted] };
  }
  let hint: string | undefined;
  for (const origin of trusted) {
    const t = new URL(origin);
    const sameHost = t.hostname === target.hostname || (LOOPBACK.has(t.hostname) && LOOPBACK.has(target.hostname));
    if (!sameHost) continue;
    const host = t.hostname === target.hostname ? '' : `${target.hostname} and ${t.hostname} are different origins`;
    const rest = [t.protocol !== target.protocol && 'the scheme', t.port !== target.port && 'the port'].filter(Boolean).join(' and ');
    hint = `${[host, rest && `${rest} differ${rest.includes(' and ') ? '' : 's'}`].filter(Boolean).join('; ')} from trusted ${origin}: use that origin or add ${target.origin} to trustedOrigins.`;
    break;
  }
  return { type: 'token-withheld', url: target.origin + target.pathname, origin: target.origin, trustedOrigins: [...trusted], ...(hint === undefined ? {} : { hint }) };
}
