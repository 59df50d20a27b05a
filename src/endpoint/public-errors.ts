import { LoginError, RefreshError } from '../errors';
import { describeFailure, isEndpointFailure, type EndpointFailure } from './failure';

/** A token-response parse problem (`missing-access-token`, ...): a fixed code, never a value. */
const problem = (error: unknown): string => (typeof error === 'string' && /^[a-z-]{1,40}$/.test(error) ? ` (${error})` : '');

/** The `LoginError` for what a login threw: which call, which class of failure, and a redacted cause. */
export function loginError(error: unknown, at: string): LoginError {
  if (!isEndpointFailure(error)) return new LoginError(`Login failed at ${at}: the answer holds no usable tokens${problem(error)}.`);
  const failure = error.failure;
  const where = failure.at ?? at;
  const cause = failure.cause;
  if (failure.kind === 'terminal') {
    if (failure.reason === 'no-login-endpoint') return new LoginError('No login endpoint is configured (`endpoints.login: false`).', { reason: failure.reason });
    return new LoginError(`The server rejected the credentials at ${where}: ${describeFailure(failure)}.`, { status: failure.status, reason: failure.reason, cause });
  }
  const retryable = failure.code !== 'config';
  return new LoginError(`Login failed at ${where}: ${describeFailure(failure)}${retryable ? '; try again' : ''}.`, { retryable, status: failure.status, cause });
}

/** The `RefreshError` of a transient refresh failure: which call, which class of failure, and a redacted cause. */
export function refreshError(error: unknown, failure: EndpointFailure, retryAt: number, at: string): RefreshError {
  const what = isEndpointFailure(error) ? describeFailure(failure) : `unusable answer${problem(error)}`;
  return new RefreshError(`Token refresh failed at ${failure.at ?? at}: ${what}; the session is kept and will retry.`, {
    status: failure.status,
    retryAt,
    cause: failure.cause,
  });
}
