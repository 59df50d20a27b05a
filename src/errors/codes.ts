/** Every error code tokenflight throws, as constants (compare `error.code` against these). */
export const ErrorCode = {
  /** Invalid options passed to `createAuthClient`. */
  Config: 'TF_CONFIG',
  /** The login endpoint rejected the credentials or answered unusably. */
  LoginFailed: 'TF_LOGIN_FAILED',
  /** A refresh failed for a transient reason (network, timeout, 5xx, 408, 429, unusable body). Tokens are kept. */
  RefreshFailed: 'TF_REFRESH_FAILED',
  /** The session is over (logout, rejected refresh token, revoked key, ...). Sign in again. */
  SessionEnded: 'TF_SESSION_ENDED',
  /** A request got 401 and its body (a stream) cannot be sent twice, so it was not replayed. */
  BodyNotReplayable: 'TF_BODY_NOT_REPLAYABLE',
  /** A token from the server or from storage is not a valid RFC 6750 b64token. */
  InvalidToken: 'TF_INVALID_TOKEN',
  /** The client was disposed. */
  Disposed: 'TF_DISPOSED',
  /** No session: the call needs a signed-in client. */
  NotAuthenticated: 'TF_NOT_AUTHENTICATED',
  /** An argument of a call is unusable (e.g. a session id that is empty or would leave its URL path segment). */
  InvalidArgument: 'TF_INVALID_ARGUMENT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
