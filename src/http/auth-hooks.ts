import type { BeforeErrorHook, InitHook } from 'ky';
import { isHTTPError } from 'ky';
import { ReplayError } from '../errors';
import { isStream, type AuthCall, type createAuthFetch } from './auth-fetch';

const CALL = Symbol.for('tokenflight.call');

/**
 * The ky hooks. `init` wraps each call's `fetch` with the shared auth fetch, so every attempt (first
 * send, ky's own retries, the 401 replay) gets the token current at that moment. ky's `request`,
 * `options` and `HTTPError` never hold the token. `beforeError` turns the 401 of a stream body that
 * could not be replayed into a `ReplayError`.
 */
export function createAuthHooks(wrap: ReturnType<typeof createAuthFetch>, fetch: typeof globalThis.fetch): { init: InitHook; beforeError: BeforeErrorHook } {
  const init: InitHook = (options) => {
    const call: AuthCall = { stream: isStream(options.body), replayed: false, refused: false };
    ((options.context ??= {}) as Record<symbol, unknown>)[CALL] = call;
    options.fetch = wrap(options.fetch ?? fetch, call);
  };

  const beforeError: BeforeErrorHook = ({ error, options }) =>
    isHTTPError(error) && error.response.status === 401 && ((options.context as Record<symbol, unknown>)[CALL] as AuthCall | undefined)?.refused === true
      ? new ReplayError(error)
      : error;

  return { init, beforeError };
}
