import { isEndpointFailure } from '../endpoint/failure';
import { LoginError } from '../errors';

/** A failed login-like call as the `LoginError` its caller gets (a `LoginError` thrown on the way passes through). */
export function loginError(error: unknown): LoginError {
  if (error instanceof LoginError) return error;
  // A token answer that cannot be used: the parse problem (`missing-access-token`, ...) is the reason.
  if (typeof error === 'string') return new LoginError(`The token response is unusable (${error}).`, { reason: error });
  const failure = isEndpointFailure(error) ? error.failure : undefined;
  if (failure?.kind === 'terminal') return new LoginError('The server rejected the credentials.', { status: failure.status, reason: failure.reason });
  return new LoginError('Login failed; try again.', { retryable: failure !== undefined, status: failure?.status });
}
