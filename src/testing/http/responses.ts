import type { IssuedPair } from '../sessions';

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export type HeaderInit = Readonly<Record<string, string>>;

export function json(status: number, body: unknown, headers: HeaderInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

/** RFC 6749 §5.1/§5.2 style: JSON, no-store, no-cache. */
export function oauthJson(status: number, body: unknown, headers: HeaderInit = {}): Response {
  return json(status, body, { Pragma: 'no-cache', ...headers });
}

/** RFC 6749 §5.1 token answer for an issued pair; `extra` adds fields such as an OpenID `id_token`. */
export function tokenBody(pair: IssuedPair, extra: Readonly<Record<string, string>> = {}): Response {
  return oauthJson(200, {
    access_token: pair.accessToken,
    token_type: pair.tokenType,
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
    scope: pair.scope,
    ...extra,
  });
}

/** RFC 6749 §5.2 error; invalid_client defaults to 401 with a Basic challenge. */
export function oauthError(error: string, description: string, status?: number): Response {
  const invalidClient = error === 'invalid_client';
  const code = status ?? (invalidClient ? 401 : 400);
  const headers: HeaderInit = invalidClient && code === 401 ? { 'WWW-Authenticate': 'Basic realm="tokenflight"' } : {};
  return oauthJson(code, { error, error_description: description }, headers);
}

/** JSON auth endpoint error (`/auth/*`). */
export function authError(status: number, error: string, description: string): Response {
  return json(status, { error, error_description: description });
}

export function noContent(headers: HeaderInit = {}): Response {
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** A response with an arbitrary status and raw text body (fault injection). */
export function raw(status: number, body: string | null, headers: HeaderInit = {}): Response {
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

export function notFound(): Response {
  return json(404, { error: 'not_found', error_description: 'No such route' });
}

export function methodNotAllowed(allowed: readonly string[]): Response {
  return json(405, { error: 'method_not_allowed', error_description: 'Method not allowed' }, { Allow: allowed.join(', ') });
}
