/** Differences under 5 s are within the `Date` header's 1 s resolution plus latency: ignored. */
const MIN_SKEW_MS = 5_000;

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * What each server's clock says, learnt from the `Date` header (RFC 9110 §6.6.1) of its answers to
 * proofs: a proof's `iat` is on the clock of the server it goes to, so a device whose clock is off
 * still proves fresh (RFC 9449 §11.1). Kept per origin: a server can only move the `iat` of proofs
 * that go to itself. One book per client.
 */
export function createServerClocks(now: () => number) {
  const skews = new Map<string, number>();
  return {
    /** Now on the clock of the server of `url` (epoch ms). */
    at: (url: string): number => now() + (skews.get(originOf(url) ?? '') ?? 0),
    /** Learns from an answer's `Date`; true when the clock the last proof used was off by more than the tolerance. */
    learn(url: string, response: Response): boolean {
      const origin = originOf(url);
      const date = Date.parse(response.headers.get('date') ?? '');
      // An answer from a cache (RFC 9111 §5.1 `Age`) tells when it was first made, not the time now.
      if (origin === undefined || !Number.isFinite(date) || response.headers.has('age')) return false;
      const offset = date - now();
      const next = Math.abs(offset) < MIN_SKEW_MS ? 0 : offset;
      if (Math.abs(next - (skews.get(origin) ?? 0)) < MIN_SKEW_MS) return false;
      skews.set(origin, next);
      return true;
    },
  };
}
