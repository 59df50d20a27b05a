/** How a token-endpoint call failed, before it is turned into a public error. Carries no token. */
export type EndpointFailure =
  | { kind: 'terminal'; reason: string; status?: number }
  | { kind: 'transient'; code: 'network' | 'timeout' | 'status' | 'body'; status?: number; retryAfterMs?: number; noResponse: boolean };

const FAILURE = Symbol('tokenflight.endpoint-failure');

export class EndpointFailureError extends Error {
  readonly [FAILURE] = true;
  constructor(readonly failure: EndpointFailure) {
    super(failure.kind === 'terminal' ? `token endpoint rejected the grant (${failure.reason})` : `token endpoint unavailable (${failure.code})`);
  }
}

export const isEndpointFailure = (e: unknown): e is EndpointFailureError => e instanceof EndpointFailureError;

/** OAuth error codes that describe a temporary server condition rather than a dead grant. */
const TEMPORARY = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);
const OAUTH_ERROR = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function oauthError(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const error = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
    return typeof error === 'string' && OAUTH_ERROR.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The failure policy: a 401, or an OAuth error body on another 4xx, ends the session; network
 * errors, timeouts, 5xx, 404, 408, 429 and unusable bodies are transient.
 */
export function classifyResponse(status: number, text: string, headers: Headers, now: number): EndpointFailure {
  const error = oauthError(text);
  const transient = (): EndpointFailure => {
    const after = retryAfterMs(headers.get('retry-after'), now);
    return { kind: 'transient', code: 'status', status, noResponse: false, ...(after === undefined ? {} : { retryAfterMs: after }) };
  };
  if (status >= 500 || status === 404 || status === 408 || status === 429) return transient();
  if (error !== undefined && TEMPORARY.has(error)) return transient();
  if (status === 401) return { kind: 'terminal', reason: error ?? 'unauthorized', status };
  if (status >= 400 && error !== undefined) return { kind: 'terminal', reason: error, status };
  return transient();
}
