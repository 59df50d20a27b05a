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

const loopback = (host: string): boolean => /^(localhost|127\.0\.0\.1|\[::1\])$/.test(host);

/** `token-withheld` for a request to `url` (a Request's, so absolute), with a hint when a trusted origin is a near miss. */
export function withheldNote(url: string, trusted: readonly string[]): DebugNote {
  const { origin, pathname, hostname } = new URL(url);
  let near: string | undefined;
  let why = 'the scheme or the port differs';
  for (const candidate of trusted) {
    const host = new URL(candidate).hostname;
    if (host !== hostname && !(loopback(host) && loopback(hostname))) continue;
    near = candidate;
    if (host !== hostname) why = 'localhost, 127.0.0.1 and [::1] are different origins';
    break;
  }
  const hint = near === undefined ? {} : { hint: `${origin} is not the trusted ${near} (${why}): use ${near}, or add ${origin} to trustedOrigins.` };
  return { type: 'token-withheld', url: origin + pathname, origin, trustedOrigins: [...trusted], ...hint };
}
