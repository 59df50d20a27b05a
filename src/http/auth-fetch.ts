import type { TokenSet } from '../session/token-set';

/** What the auth fetch needs from the session: its token for a request, and the token to replay with after a 401. */
export interface TokenSource {
  usable(signal?: AbortSignal | null): Promise<TokenSet | null>;
  afterUnauthorized(sent: TokenSet, signal?: AbortSignal | null): Promise<TokenSet | null>;
  rejectedAfterRefresh(generation: number): void;
}

export interface AuthFetchConfig {
  session: TokenSource;
  isTrusted: (url: string) => boolean;
  shouldRefresh: (response: Response) => boolean;
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
  // Copy entry by entry: `new Headers(headers)` can lose entries where Headers is patched (MSW's Node interceptors).
  const headers = new Headers([...request.headers]);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * The one implementation of the request rules, shared by the ky hooks and `auth.fetch`: wraps `inner`
 * so every send gets the token current at that moment, only trusted origins ever see it, a rejected
 * token is refreshed once (single flight, in the coordinator) and the request replayed once with its
 * body. The Authorization header lives only on the Request handed to `inner`.
 */
export function createAuthFetch(config: AuthFetchConfig): (inner: FetchLike, call: AuthCall) => FetchLike {
  return (inner, call) => async (input, requestInit) => {
    const request = input instanceof Request ? input : new Request(input, requestInit);
    // A caller's own Authorization header (Basic, another scheme) is theirs: no token, no refresh.
    if (!config.isTrusted(request.url) || request.headers.has('authorization')) return inner(request, requestInit);
    const tokens = await config.session.usable(request.signal);
    if (tokens === null || tokens.accessToken === null) return inner(request, requestInit);
    const spare = call.replayed || call.stream ? null : request.body === null ? request : request.clone();
    const response = await inner(withBearer(request, tokens.accessToken), requestInit);
    // The copy kept for a replay is a tee of the body: release it as soon as it cannot be needed.
    const release = () => void (spare !== request ? spare?.body?.cancel().catch(() => undefined) : undefined);
    // After a redirect the 401 may come from another origin: only a trusted origin's 401 may spend the refresh token.
    if (call.replayed || (response.redirected && !config.isTrusted(response.url)) || !config.shouldRefresh(response)) {
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
    const replay = await inner(withBearer(spare, next.accessToken), requestInit);
    if (config.shouldRefresh(replay)) config.session.rejectedAfterRefresh(next.generation);
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
