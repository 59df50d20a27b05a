/**
 * What a thrown error may show once it leaves the token endpoint client: its name, message and code,
 * with every secret of the request removed. Never the error itself: ky's errors hold the `Request`
 * (and so the refresh token or password in its body), a fetch error may quote the body or the URL.
 */
export interface RedactedCause {
  readonly name: string;
  readonly message: string;
  /** `ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, `ERR_TLS_CERT_ALTNAME_INVALID`... when the runtime gave one. */
  readonly code: string | undefined;
}

const REDACTED = '[redacted]';
const MAX_MESSAGE = 300;
/** Runs of RFC 6750 b64token characters (without `.`, so hosts and addresses stay readable). */
const RUN = /[A-Za-z0-9_~+/-]{16,}=*/g;
/** A URL's query and fragment (an API key, a code). */
const QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*)[?#][^\s"'<>]*/gi;
/** A URL's user name and password. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** Looks like a token rather than a word or an error code: letters mixed with digits, or long mixed case. */
const tokenLike = (run: string): boolean =>
  (/\d/.test(run) && /[A-Za-z]/.test(run)) || (run.length >= 24 && /[a-z]/.test(run) && /[A-Z]/.test(run));

/** A secret as it may appear in a message: raw, JSON-escaped, percent-encoded, form-encoded. */
function forms(secret: string): string[] {
  const variants = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    variants.push(encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2));
  } catch {
    // A lone surrogate cannot be encoded: it cannot appear encoded either.
  }
  // Longest first, so a secret is never left half-removed by a shorter form of it.
  return [...new Set(variants)].filter((v) => v !== '').sort((a, b) => b.length - a.length);
}

/** `text` without any of `secrets` (in any encoding), URL queries, or token-like runs. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) for (const form of forms(secret)) out = out.split(form).join(REDACTED);
  out = out.replace(USERINFO, '$1').replace(QUERY, '$1');
  out = out.replace(RUN, (run) => (tokenLike(run) ? REDACTED : run));
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The redacted view of a thrown value. ky's `NetworkError` is unwrapped to the runtime's error, and
 * the runtime's own cause (undici's `connect ECONNREFUSED ...`) is folded into the message.
 */
export function redactCause(error: unknown, secrets: readonly string[]): RedactedCause {
  let outer = error;
  if (str(field(outer, 'name')) === 'NetworkError' && field(outer, 'cause') !== undefined) outer = field(outer, 'cause');
  const inner = field(outer, 'cause');
  const name = str(field(outer, 'name')) ?? (typeof outer === 'object' && outer !== null ? 'Error' : typeof outer);
  const own = str(field(outer, 'message')) ?? (typeof outer === 'string' ? outer : '');
  const detail = str(field(inner, 'message'));
  const code = str(field(outer, 'code')) ?? str(field(inner, 'code'));
  return Object.freeze({
    name: scrub(name, secrets).slice(0, 64),
    message: scrub(detail === undefined || detail === own ? own : `${own} (${detail})`, secrets),
    code: code === undefined ? undefined : scrub(code, secrets).slice(0, 64),
  });
}

/**
 * The values of a request worth keeping out of errors (credentials, tokens, secrets): strings of 3+
 * characters and numbers of 4+ digits (a PIN). Shorter ones would only mangle every message.
 */
export function secretsOf(values: Iterable<unknown>): string[] {
  const out: string[] = [];
  for (const value of values) {
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
    if (text.length >= (typeof value === 'string' ? 3 : 4)) out.push(text);
  }
  return out;
}
