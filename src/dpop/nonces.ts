/** RFC 9449 §8.1: a nonce is 1*NQCHAR (printable ASCII without `"` and `\`). */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;

/** The last `DPoP-Nonce` each origin sent (on any answer, success included). One cache per client. */
export function createNonceCache() {
  const nonces = new Map<string, string>();
  const originOf = (url: string): string | undefined => {
    try {
      return new URL(url).origin;
    } catch {
      return undefined;
    }
  };
  return {
    get: (url: string): string | undefined => nonces.get(originOf(url) ?? ''),
    remember(url: string, response: Response): void {
      const nonce = response.headers.get('dpop-nonce');
      const origin = originOf(url);
      if (nonce !== null && origin !== undefined && NONCE.test(nonce)) nonces.set(origin, nonce);
    },
  };
}
