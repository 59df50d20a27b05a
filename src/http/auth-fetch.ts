import type { DpopSession } from '../dpop/session';
import { SessionEndedError } from '../errors';
import type { TokenSet } from '../session/token-set';

/** What the auth fetch needs from the session: its token for a request, and the token to replay with after a 401. */
export interface TokenSource {
  usable(signal?: AbortSignal | null): Promise<TokenSet | null>;
  afterUnauthorized(sent: TokenSet, signal?: AbortSignal | null): Promise<TokenSet | null>;
  rejectedAfterRefresh(generation: number): void;
  /** Throws the error that ended `tokens`' session when it ended here (checked right before each send). */
  assertCurrent(tokens: TokenSet): void;
}

export interface AuthFetchConfig {
  session: TokenSource;
  isTrusted: (url: string) => boolean;
  shouldRefresh: (response: Response) => boolean;
  /** DPoP (RFC 9449): bound tokens go out as `Authorization: DPoP` with a fresh proof per send. `null`: off. */
  dpop?: DpopSession | null;
  /** Diagnostics: a request to an untrusted origin goes out without the token. `null`: off. */
  withheld?: ((url: string) => void) | null;
}

/** The shape of fetch that ky, openapi-fetch, GraphQL clients and axios' fetch adapter call. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * One logical call (one `auth.http` call with all of ky's retries, or one `auth.fetch` call): it is
 * replayed at most once, however many times it is sent.
 */
export interface AuthCall {
  /** The caller's body is a stream: no copy of it is kept, so a 401 is never replayed. */
  readonly stream: boolean;
  replayed: boolean;
  /** Set when a 401 was handed back unreplayed because of a stream body (the session was refreshed). */
  refused: boolean;
}

export const isStream = (body: unknown): boolean => typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;

function withBearer(request: Request, token: string): Request {
  // The one copy per send (ky's request, seen by hooks and errors, never holds the token). `new Request(request)`
  // copies the header list itself: no Headers conversion, which lost the caller's headers under MSW's Node interceptors.
  const copy = new Request(request);
  copy.headers.set('authorization', `Bearer ${token}`);
  return copy;
}

/**
 * The one implementation of the request rules, shared by the ky hooks and `auth.fetch`: wraps `inner`
 * so every send gets the token current at that moment, only trusted origins ever see it, a rejected
 * token is refreshed once (single flight, in the coordinator) and the request replayed once with its
 * body. The Authorization header lives only on the Request handed to `inner`.
 */
export function createAuthFetch(config: AuthFetchConfig): (inner: FetchLike, call: AuthCall) => FetchLike {
  const dpop = config.dpop;
  /** A 401 that asks for a refresh: the configured rule, or (for a DPoP-bound token) a DPoP `invalid_token` challenge. */
  const refused = (response: Response, t: TokenSet): boolean => config.shouldRefresh(response) || (t.jkt !== undefined && !!dpop?.isTokenRejected(response));
  /** Sends with the token: Bearer, or for a DPoP-bound token the DPoP scheme with a fresh proof (never Bearer). */
  const present = async (send: (request: Request) => Promise<Response>, request: Request, t: TokenSet, token: string, replayable: boolean): Promise<Response> => {
    // The session may have ended since the token was looked up: a request never carries an ended session's token.
    config.session.assertCurrent(t);
    if (t.jkt === undefined) return send(withBearer(request, token));
    if (!dpop) throw new SessionEndedError('dpop-key-lost');
    // A proof takes awaits (key, hash, signature): the session is checked again at the moment of sending.
    return dpop.present(request, t.jkt, token, (signed) => (config.session.assertCurrent(t), send(signed)), replayable);
  };
  /** A session bound to a key this client no longer holds ends through the refresh (once, `dpop-key-lost`) instead of failing on every call. */
  const held = async (t: TokenSet | null, signal: AbortSignal): Promise<TokenSet | null> =>
    t === null || t.jkt === undefined || (await dpop?.holdsKey(t.jkt)) ? t : config.session.afterUnauthorized(t, signal);

  return (inner, call) => async (input, requestInit) => {
    const request = input instanceof Request ? input : new Request(input, requestInit);
    // A caller's own Authorization header (Basic, another scheme) is theirs: no token, no refresh.
    if (!config.isTrusted(request.url)) {
      config.withheld?.(request.url);
      return inner(request, requestInit);
    }
    if (request.headers.has('authorization')) return inner(request, requestInit);
    const current = await config.session.usable(request.signal);
    // Only a DPoP-bound token needs the key check: a Bearer token takes no extra await.
    const tokens = current === null || current.jkt === undefined ? current : await held(current, request.signal);
    if (tokens === null || tokens.accessToken === null) return inner(request, requestInit);
    const spare = call.replayed || call.stream ? null : request.body === null ? request : request.clone();
    const send = (outgoing: Request) => inner(outgoing, requestInit);
    // The copy kept for a replay is a tee of the body: release it as soon as it cannot be needed.
    const release = () => void (spare !== request ? spare?.body?.cancel().catch(() => undefined) : undefined);
    let response: Response;
    try {
      response = await present(send, request, tokens, tokens.accessToken, !call.stream);
    } catch (error) {
      release();
      throw error;
    }
    // After a redirect the 401 may come from another origin: only a trusted origin's 401 may spend the refresh token.
    if (call.replayed || (response.redirected && !config.isTrusted(response.url)) || !refused(response, tokens)) {
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
      call.refused = true;
      return response;
    }
    call.replayed = true;
    if (!config.isTrusted(spare.url)) return response;
    void response.body?.cancel().catch(() => undefined);
    const replay = await present(send, spare, next, next.accessToken, true);
    if (refused(replay, next)) config.session.rejectedAfterRefresh(next.generation);
    return replay;
  };
}

/**
 * `auth.fetch`: the same rules behind fetch's own signature. A relative URL string resolves against
 * `baseUrl` (as `auth.http` does), not against the page. Answers are Responses whatever their status
 * (a 401 that could not be replayed included); it rejects only where fetch would (network, abort) and
 * with tokenflight's typed errors (`SessionEndedError` when the session ended on the way, ...).
 */
export function createFetch(wrap: ReturnType<typeof createAuthFetch>, inner: FetchLike, baseUrl: string): FetchLike {
  return async (input, init) => {
    // `init` is folded into the Request here, so a caller's headers can never replace the Authorization header later.
    const request = new Request(typeof input === 'string' ? new URL(input, baseUrl) : input, init);
    return wrap(inner, { stream: isStream(init?.body), replayed: false, refused: false })(request);
  };
}
