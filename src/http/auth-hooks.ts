import type { BeforeErrorHook, InitHook, Options } from 'ky';
import { isHTTPError } from 'ky';
import type { DpopSession } from '../dpop/session';
import { DPOP_KEY_LOST } from '../endpoint/token-endpoint';
import { ReplayError, SessionEndedError } from '../errors';
import type { TokenSet } from '../session/token-set';

/** What the hooks need from the session: its token for a request, and the token to replay with after a 401. */
export interface TokenSource {
  usable(signal?: AbortSignal | null): Promise<TokenSet | null>;
  afterUnauthorized(sent: TokenSet, signal?: AbortSignal | null): Promise<TokenSet | null>;
  rejectedAfterRefresh(generation: number): void;
  /** Throws the error that ended `tokens`' session when it ended here (checked right before each send). */
  assertCurrent(tokens: TokenSet): void;
}

export interface AuthHookConfig {
  session: TokenSource;
  isTrusted: (url: string) => boolean;
  shouldRefresh: (response: Response) => boolean;
  fetch: typeof globalThis.fetch;
  /** DPoP (RFC 9449): bound tokens go out as `Authorization: DPoP` with a fresh proof per send. `null`: off. */
  dpop?: DpopSession | null;
}

type FetchFn = NonNullable<Options['fetch']>;
const STREAM_REFUSED = Symbol.for('tokenflight.stream-refused');

const isStream = (body: unknown): boolean =>
  typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;

function withBearer(request: Request, token: string): Request {
  // Copy entry by entry: `new Headers(headers)` can lose entries where Headers is patched (MSW's Node interceptors).
  const headers = new Headers([...request.headers]);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * The ky hooks. `init` wraps each call's `fetch`, so every attempt (first send, ky's own retries,
 * the 401 replay) gets the token current at that moment, and only trusted origins ever see it. The
 * Authorization header lives only on the Request handed to fetch: ky's `request`, `options` and
 * `HTTPError` never hold the token.
 */
export function createAuthHooks(config: AuthHookConfig): { init: InitHook; beforeError: BeforeErrorHook } {
  const dpop = config.dpop ?? null;
  const holds = async (t: TokenSet): Promise<boolean> => t.jkt === undefined || (dpop !== null && (await dpop.holdsKey(t.jkt)));
  /** A 401 that asks for a refresh: the configured rule, or (for a DPoP-bound token) a DPoP `invalid_token` challenge. */
  const refused = (response: Response, t: TokenSet): boolean =>
    config.shouldRefresh(response) || (t.jkt !== undefined && dpop !== null && dpop.isTokenRejected(response));

  /** Sends with the token: Bearer, or for a DPoP-bound token the DPoP scheme with a fresh proof (never Bearer). */
  const present = async (send: (request: Request) => Promise<Response>, request: Request, t: TokenSet, token: string, replayable: boolean): Promise<Response> => {
    if (t.jkt === undefined) return send(withBearer(request, token));
    if (dpop === null || !(await holds(t))) throw new SessionEndedError(DPOP_KEY_LOST);
    return dpop.send(request, token, send, replayable);
  };

  const init: InitHook = (options) => {
    const inner: FetchFn = options.fetch ?? config.fetch;
    const streamBody = isStream(options.body);
    const context: Record<string | symbol, unknown> = (options.context ??= {});
    let replayed = false;

    /** A session bound to a key this client no longer holds ends through the refresh (once, `dpop-key-lost`) instead of failing on every call. */
    const held = async (t: TokenSet | null, signal: AbortSignal): Promise<TokenSet | null> =>
      t === null || (await holds(t)) ? t : config.session.afterUnauthorized(t, signal);

    const authFetch: FetchFn = async (input, requestInit) => {
      const request = input instanceof Request ? input : new Request(input, requestInit);
      // A caller's own Authorization header (Basic, another scheme) is theirs: no token, no refresh.
      if (!config.isTrusted(request.url) || request.headers.has('authorization')) return inner(request, requestInit);
      const tokens = await held(await config.session.usable(request.signal), request.signal);
      if (tokens === null || tokens.accessToken === null) return inner(request, requestInit);
      // The session may have ended between the lookup and now: a request never carries an ended session's token.
      config.session.assertCurrent(tokens);
      const spare = replayed || streamBody ? null : request.body === null ? request : request.clone();
      const send = (outgoing: Request) => inner(outgoing, requestInit);
      const response = await present(send, request, tokens, tokens.accessToken, !streamBody);
      // The copy kept for a replay is a tee of the body: release it as soon as it cannot be needed.
      const release = () => void (spare !== request ? spare?.body?.cancel().catch(() => undefined) : undefined);
      // After a redirect the 401 may come from another origin: only a trusted origin's 401 may spend the refresh token.
      if (replayed || (response.redirected && !config.isTrusted(response.url)) || !refused(response, tokens)) {
        release();
        return response;
      }
      let next: TokenSet | null;
      try {
        next = await config.session.afterUnauthorized(tokens, request.signal);
      } catch (error) {
        release();
        void response.body?.cancel().catch(() => undefined);
        throw error;
      }
      if (next === null || next.accessToken === null) {
        release();
        return response;
      }
      if (spare === null) {
        context[STREAM_REFUSED] = true;
        return response;
      }
      replayed = true;
      if (!config.isTrusted(spare.url)) return response;
      void response.body?.cancel().catch(() => undefined);
      config.session.assertCurrent(next);
      const replay = await present(send, spare, next, next.accessToken, true);
      if (refused(replay, next)) config.session.rejectedAfterRefresh(next.generation);
      return replay;
    };
    options.fetch = authFetch;
  };

  const beforeError: BeforeErrorHook = ({ error, options }) =>
    isHTTPError(error) && error.response.status === 401 && (options.context as Record<symbol, unknown>)[STREAM_REFUSED] === true
      ? new ReplayError(error)
      : error;

  return { init, beforeError };
}
