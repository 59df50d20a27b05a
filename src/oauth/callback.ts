import { LoginError } from '../errors';

/** The authorization response parameters the flow reads (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2). */
export interface CallbackParams {
  readonly state: string | null;
  readonly code: string | null;
  readonly error: string | null;
  readonly iss: string | null;
}

const NAMES = ['state', 'code', 'error', 'iss'] as const;

export const refused = (what: string, reason: string) => new LoginError(`The sign-in response was refused (${what}).`, { reason });

/**
 * Reads the callback's query. RFC 6749 §3.1: a response parameter MUST NOT appear more than once; a
 * callback repeating one (two `state`s, a second `code` or `iss` appended by someone) is refused
 * whole, before its state is looked up, so nothing in it is ever exchanged.
 */
export function readCallback(query: URLSearchParams): CallbackParams {
  for (const name of NAMES) if (query.getAll(name).length > 1) throw refused(`repeated ${name}`, 'invalid_request');
  return { state: query.get('state'), code: query.get('code'), error: query.get('error'), iss: query.get('iss') };
}
