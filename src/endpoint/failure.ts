import type { RedactedCause } from './redact';

/** Which call failed: method and URL path, never the query (e.g. `POST /auth/refresh`). */
interface Where {
  at?: string;
  /** What was thrown (network, timeout, an unbuildable request), redacted. */
  cause?: RedactedCause;
}

/**
 * How a token-endpoint call failed, before it is turned into a public error. Carries no token.
 * `config`: the request could not even be built (fetch was never called).
 */
export type EndpointFailure =
  | ({ kind: 'terminal'; reason: string; status?: number } & Where)
  | ({ kind: 'transient'; code: 'network' | 'timeout' | 'status' | 'body' | 'config'; status?: number; retryAfterMs?: number; noResponse: boolean } & Where);

const FAILURE = Symbol('tokenflight.endpoint-failure');

const CLASSES = {
  network: 'network error, no response (offline, DNS, TLS, refused; in a browser also CORS)',
  timeout: 'timeout, no answer in time',
  config: 'request not built (bad URL, header or body), nothing sent',
} as const;

/** The class of a failure in words, with the status and OAuth code the server gave. Never a token. */
export function describeFailure(failure: EndpointFailure): string {
  const status = failure.status === undefined ? '' : `HTTP ${failure.status}`;
  if (failure.kind === 'terminal') return `rejected (${status === '' ? '' : `${status}, `}${failure.reason})`;
  if (failure.code === 'status') return status;
  if (failure.code === 'body') return `unusable answer${status === '' ? '' : ` (${status})`}`;
  return CLASSES[failure.code];
}

export class EndpointFailureError extends Error {
  readonly [FAILURE] = true;
  constructor(readonly failure: EndpointFailure) {
    super(`${failure.at ?? 'token endpoint'}: ${describeFailure(failure)}`);
  }
}

export const isEndpointFailure = (e: unknown): e is EndpointFailureError => e instanceof EndpointFailureError;

/** OAuth error codes that describe a temporary server condition rather than a dead grant. */
const TEMPORARY = new Set([
  'temporarily_unavailable',
  'server_error',
  'slow_down',
  // RFC 9449 §8: a nonce challenge says nothing about the grant. The DPoP layer answers the first one; a
  // second in a row is worth a later attempt (with the nonce it brought), never the end of the session.
  'use_dpop_nonce',
]);
/**
 * What an OAuth `error` code looks like (`invalid_grant`, `unauthorized_client`, ...). Anything else
 * (free text, a value echoing a token) is not surfaced: the body then counts as no OAuth error body.
 */
const OAUTH_ERROR = /^[a-z][a-z0-9_.-]{0,63}$/;
/** Longest honoured `Retry-After` (one day); a larger value is clamped, never spun on. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * `Retry-After` as a delay: delta-seconds, or an HTTP-date measured against the response's own `Date`.
 * Without it, a rate-limit reset (`X-RateLimit-Reset` as Auth0 sends it, `X-Rate-Limit-Reset` as Okta
 * does): Unix seconds, or delta-seconds when too small to be a date.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const header = headers.get('retry-after')?.trim();
  const date = Date.parse(headers.get('date') ?? '');
  const serverNow = Number.isFinite(date) ? date : now;
  if (header === undefined || header === '') {
    const reset = (headers.get('x-ratelimit-reset') ?? headers.get('x-rate-limit-reset'))?.trim() ?? '';
    if (!/^\d+(\.\d+)?$/.test(reset)) return undefined;
    const seconds = Number(reset);
    return clampRetry(seconds > 1e9 ? seconds * 1000 - serverNow : seconds * 1000);
  }
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(header)) ms = Number(header) * 1000;
  else {
    const at = Date.parse(header);
    if (!Number.isFinite(at)) return undefined;
    ms = at - serverNow;
  }
  return clampRetry(ms);
}

const clampRetry = (ms: number): number | undefined => (Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined);

/** The OAuth `error` code of a parsed body, when it has a well-formed one. */
/** The OAuth `error` code of a body — or `error_code`, which Supabase's auth server sends instead. */
export function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  for (const error of [record['error'], record['error_code']]) if (typeof error === 'string' && OAUTH_ERROR.test(error)) return error;
  return undefined;
}

function oauthError(text: string): string | undefined {
  try {
    return oauthErrorCode(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * The failure policy: a 401, or an OAuth error body on another 4xx, ends the session; network
 * errors, timeouts, 5xx, 404, 408, 429, `temporarily_unavailable`-style codes and unusable bodies
 * are transient.
 */
export function classifyResponse(status: number, text: string, headers: Headers, now: number): EndpointFailure {
  const error = oauthError(text);
  const transient = (): EndpointFailure => {
    const after = retryAfterMs(headers, now);
    return { kind: 'transient', code: 'status', status, noResponse: false, ...(after === undefined ? {} : { retryAfterMs: after }) };
  };
  if (status >= 500 || status === 404 || status === 408 || status === 429) return transient();
  if (error !== undefined && TEMPORARY.has(error)) return transient();
  if (status === 401) return { kind: 'terminal', reason: error ?? 'unauthorized', status };
  if (status >= 400 && error !== undefined) return { kind: 'terminal', reason: error, status };
  return transient();
}

/** A 2xx body without tokens but with an OAuth error code (non-compliant servers) is still an OAuth error body. */
export function classifySuccessBody(status: number, body: unknown): EndpointFailure | undefined {
  const error = oauthErrorCode(body);
  if (error === undefined) return undefined;
  const record = body as Record<string, unknown>;
  if (record['access_token'] !== undefined || record['accessToken'] !== undefined) return undefined;
  return TEMPORARY.has(error) ? { kind: 'transient', code: 'status', status, noResponse: false } : { kind: 'terminal', reason: error, status };
}
