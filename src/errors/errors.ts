import { TokenflightError } from './base';
import { ErrorCode } from './codes';

/** Why a session ended (`session:end` reason and `SessionEndedError.reason`). */
export type EndReason =
  | 'logout'
  | 'expired'
  | 'revoked'
  | 'reuse-detected'
  | 'remote'
  | 'invalid-storage'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_request'
  | 'unauthorized'
  | 'invalid-token'
  | 'dpop-key-lost'
  | (string & {});

export class ConfigError extends TokenflightError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(ErrorCode.Config, message);
  }
}

export class LoginError extends TokenflightError {
  override name = 'LoginError';
  /** OAuth `error` code from the server, when it sent one (e.g. `invalid_grant`). */
  readonly reason: string | undefined;
  /** `cause`: what failed underneath (network, timeout, ...), as a redacted `{ name, message, code }`. */
  constructor(message: string, options: { retryable?: boolean; status?: number | undefined; reason?: string | undefined; cause?: unknown } = {}) {
    super(ErrorCode.LoginFailed, message, options);
    this.reason = options.reason;
  }
}

/** A transient refresh failure: the tokens are kept and the client tries again after a backoff. */
export class RefreshError extends TokenflightError {
  override name = 'RefreshError';
  /** When the next automatic attempt is planned (epoch ms), if one is. */
  readonly retryAt: number | undefined;
  /** `cause`: what failed underneath (network, timeout, ...), as a redacted `{ name, message, code }`. */
  constructor(message: string, options: { status?: number | undefined; retryAt?: number | undefined; code?: ErrorCode; cause?: unknown } = {}) {
    super(options.code ?? ErrorCode.RefreshFailed, message, { retryable: true, status: options.status, cause: options.cause });
    this.retryAt = options.retryAt;
  }
}

/** The session is over; every waiting request gets the same instance. */
export class SessionEndedError extends TokenflightError {
  override name = 'SessionEndedError';
  readonly reason: EndReason;
  constructor(reason: EndReason, options: { status?: number | undefined } = {}) {
    super(ErrorCode.SessionEnded, `The session ended (${reason}); sign in again.`, options);
    this.reason = reason;
  }
}

/** A 401 whose request body is a stream: it was not replayed. `cause` is ky's HTTPError for the 401. */
export class ReplayError extends TokenflightError {
  override name = 'ReplayError';
  constructor(cause: unknown) {
    super(ErrorCode.BodyNotReplayable, 'The request got 401 and its stream body cannot be replayed; send it again.', {
      status: 401,
      cause,
    });
  }
}

export class DisposedError extends TokenflightError {
  override name = 'DisposedError';
  constructor() {
    super(ErrorCode.Disposed, 'The auth client was disposed.');
  }
}

export class NotAuthenticatedError extends TokenflightError {
  override name = 'NotAuthenticatedError';
  constructor() {
    super(ErrorCode.NotAuthenticated, 'No session: sign in first.');
  }
}

/** An argument of a call is unusable; nothing was sent. */
export class InvalidArgumentError extends TokenflightError {
  override name = 'InvalidArgumentError';
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}
