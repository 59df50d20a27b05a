import type { ErrorCode } from './codes';

const BRAND = 'tokenflight.error';

/**
 * Base class of every error tokenflight throws. No token, header or body ever goes into a message, a
 * field or a `cause`: messages name the call (method and URL path, never the query) and the class of
 * failure; a `cause` from the network is a redacted `{ name, message, code }`.
 */
export class TokenflightError extends Error {
  override name: string = 'TokenflightError';
  readonly code: ErrorCode;
  /** True when trying again later may succeed (the session is still alive). */
  readonly retryable: boolean;
  /** HTTP status of the response that caused this error, when there was one. */
  readonly status: number | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; status?: number | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, status: this.status };
  }
}

/** True for any tokenflight error, also across realms (iframes, workers, duplicated bundles). */
export function isTokenflightError(value: unknown, code?: ErrorCode): value is TokenflightError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[BRAND] === true &&
    (code === undefined || (value as TokenflightError).code === code)
  );
}
