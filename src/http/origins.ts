/** Exact-origin matching (scheme, host, port) for the access token's allow-list. */
export function createOriginCheck(origins: readonly string[]): (url: string) => boolean {
  const allowed = new Set(origins);
  return (url) => {
    try {
      return allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  };
}
