import { loginError as endpointLoginError } from '../endpoint/public-errors';
import { LoginError } from '../errors';

/**
 * A failed start (login, code exchange, `setSession`) as the `LoginError` its caller gets: a `LoginError`
 * thrown on the way passes through; an unusable token answer names its problem (`missing-access-token`,
 * ...), never a value; an endpoint failure says which call and which class of failure.
 */
export function loginError(error: unknown, at: string): LoginError {
  if (error instanceof LoginError) return error;
  if (typeof error === 'string' && /^[a-z-]{1,40}$/.test(error)) return new LoginError(`Login failed at ${at}: the token response is unusable (${error}).`, { reason: error });
  return endpointLoginError(error, at);
}
