/**
 * The scheme and authority of an http(s) URL written plainly (no userinfo, whitespace or backslash
 * before the path): its origin depends on this prefix alone, so a verdict can be kept per prefix.
 */
const PLAIN_PREFIX = /^https?:\/\/[\w.\-:[\]]+(?=[/?#]|$)/;
/** Verdicts kept per check; past this many prefixes they are dropped and computed again. */
const KEPT = 32;

/**
 * Exact-origin matching (scheme, host, port) for the access token's allow-list. Every request asks it,
 * so the verdict is kept per scheme-and-authority prefix instead of parsing each URL.
 */
export function createOriginCheck(origins: readonly string[]): (url: string) => boolean {
  const allowed = new Set(origins);
  const verdicts = new Map<string, boolean>();
  const check = (url: string): boolean => {
    try {
      return allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  };
  return (url) => {
    const prefix = PLAIN_PREFIX.exec(url)?.[0];
    if (prefix === undefined) return check(url);
    let verdict = verdicts.get(prefix);
    if (verdict === undefined) {
      verdict = check(prefix);
      if (verdicts.size >= KEPT) verdicts.clear();
      verdicts.set(prefix, verdict);
    }
    return verdict;
  };
}
