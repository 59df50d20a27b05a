const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Longest token accepted from a server or from storage (64 KiB); larger values are treated as unusable. */
export const MAX_TOKEN_LENGTH = 65_536;

/** RFC 6750 §2.1 `b64token`: no spaces, CR/LF, NUL or non-ASCII can ever reach a header. */
export function isB64Token(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && B64TOKEN.test(value);
}

/** RFC 6749 Appendix A.17 (1*VSCHAR) less the space no server uses: printable ASCII, as in Microsoft's `M.C5…!*…` refresh tokens. It only ever travels in a POST body, never in a header. */
const VSCHARS = /^[\x21-\x7e]+$/;

export function isRefreshToken(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && VSCHARS.test(value);
}
