import { ConfigError } from '../errors';

/** Extra authorization request parameters: `prompt`, `login_hint`, `acr_values`, `max_age`, `ui_locales`, `resource` (RFC 8707), or any other. */
export type AuthorizationParams = Readonly<Record<string, string | number | readonly string[] | undefined>> & {
  readonly prompt?: string;
  readonly login_hint?: string;
  readonly acr_values?: string;
  readonly max_age?: number;
  readonly ui_locales?: string;
  readonly resource?: string | readonly string[];
  readonly scope?: string;
};

/** Parameters the flow sets itself: never taken from `params`. */
const RESERVED = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'nonce'];

/** Refuses what a caller may not set: the flow's own parameters, and a `response_mode` whose answer complete() would never see. */
export function checkParams(all: AuthorizationParams): void {
  for (const name of RESERVED) if (all[name] !== undefined) throw new ConfigError(`\`${name}\` is set by the code flow itself.`);
  // complete() reads the answer from the query (RFC 6749 §4.1.2): a fragment or form_post answer would never be seen.
  if (all.response_mode !== undefined && all.response_mode !== 'query') throw new ConfigError('`response_mode` must be `query`: complete() reads the callback query.');
}

/** OIDC Core §3.1.2.1 `max_age`: seconds, a non-negative integer. */
export function maxAgeOf(value: AuthorizationParams[string]): number | null {
  if (value === undefined) return null;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new ConfigError('`max_age` must be a non-negative integer (seconds).');
  return seconds;
}
