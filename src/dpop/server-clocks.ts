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
  const skew = (url: string): number => skews.get(originOf(url) ?? '') ?? 0;
  return {
    /** The server of `url`'s clock minus ours (ms): what a proof made now would be corrected by. */
    skew,
    /** Now on the clock of the server of `url` (epoch ms). */
    at: (url: string): number => now() + skew(url),
    /** Learns from an answer's `Date`; changes nothing while the known offset is within the tolerance. */
    learn(url: string, response: Response): void {
      const origin = originOf(url);
      const date = Date.parse(response.headers.get('date') ?? '');
      // An answer from a cache (RFC 9111 §5.1 `Age`) tells when it was first made, not the time now.
      if (origin === undefined || !Number.isFinite(date) || response.headers.has('age')) return;
      const offset = date - now();
      const next = Math.abs(offset) < MIN_SKEW_MS ? 0 : offset;
      if (Math.abs(next - (skews.get(origin) ?? 0)) >= MIN_SKEW_MS) skews.set(origin, next);
    },
    /** Whether a proof made with `used` as the offset was on a clock the server sees as off. */
    wasOff: (url: string, used: number): boolean => Math.abs(skew(url) - used) >= MIN_SKEW_MS,
  };
}
