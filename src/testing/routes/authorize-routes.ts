import type { ResolvedClient } from '../clients';
import { json } from '../http/responses';
import { hasScope, isSubsetScope, normaliseScope, scopeList } from '../scope';
import type { RouteHandler } from './route-types';

/** OpenID Connect scopes every user may be granted besides the user's own. */
const OPENID_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** What an S256 `code_challenge` is: base64url of 32 bytes (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The issuer is the origin the request came to: the MSW and the loopback faces each answer for their own. */
export const issuerOf = (request: Request): string => new URL(request.url).origin;

function redirect(target: string, fields: Record<string, string | null | undefined>): Response {
  const url = new URL(target);
  for (const [key, value] of Object.entries(fields)) if (value !== null && value !== undefined) url.searchParams.set(key, value);
  return new Response(null, { status: 302, headers: { Location: url.href, 'Cache-Control': 'no-store' } });
}

/** An error the user sees at the server: RFC 6749 §4.1.2.1 forbids redirecting to an unverified redirect URI. */
function refuse(error: string, description: string): Response {
  return json(400, { error, error_description: description });
}

function duplicated(query: URLSearchParams): string | null {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return null;
}

const clientOf = (clients: readonly ResolvedClient[], id: string | null) => clients.find((client) => client.clientId === id);

/**
 * GET /oauth/authorize (RFC 6749 §4.1.1, RFC 7636, RFC 9207). Consent is automatic: the user named by
 * `login_hint`, else the first user, is signed in at once. An injected `authorize` fault answers with its error.
 */
export const authorize: RouteHandler = async (ctx, request, params) => {
  const query = new URL(request.url).searchParams;
  const client = clientOf(ctx.options.clients, query.get('client_id'));
  if (client === undefined) return refuse('invalid_client', 'Unknown client_id');
  const redirectUri = query.get('redirect_uri');
  if (redirectUri === null || !client.redirectUris.includes(redirectUri)) return refuse('invalid_request', 'redirect_uri is not registered for this client');
  const back = (fields: Record<string, string>) => redirect(redirectUri, { ...fields, state: query.get('state'), iss: issuerOf(request) });
  const injected = params['injectedError'];
  if (injected !== undefined) return back({ error: injected, error_description: 'Injected fault' });
  const repeated = duplicated(query);
  if (repeated !== null) return back({ error: 'invalid_request', error_description: `Parameter ${repeated} was sent more than once` });
  if (query.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'Only response_type=code' });
  const challenge = query.get('code_challenge');
  // RFC 7636 §4.3: a missing method means `plain`, which this server refuses (OAuth 2.1: S256 only).
  if (challenge === null || !S256_CHALLENGE.test(challenge) || query.get('code_challenge_method') !== 'S256') {
    return back({ error: 'invalid_request', error_description: 'PKCE with code_challenge_method=S256 is required' });
  }
  const hint = query.get('login_hint');
  const user = (hint === null ? undefined : ctx.sessions.user(hint)) ?? ctx.options.users[0];
  if (user === undefined) return back({ error: 'access_denied', error_description: 'No user' });
  // No session is kept at this server: a request that forbids any interaction cannot be answered.
  if (scopeList(query.get('prompt') ?? '').includes('none')) return back({ error: 'login_required', error_description: 'Interaction required' });
  const requested = query.get('scope');
  const scope = requested === null ? user.scope : normaliseScope(requested);
  const own = scopeList(scope).filter((entry) => !OPENID_SCOPES.includes(entry)).join(' ');
  if (!isSubsetScope(own, user.scope)) return back({ error: 'invalid_scope', error_description: 'The requested scope exceeds the granted scope' });
  const code = await ctx.codes.issue({
    clientId: client.clientId,
    redirectUri,
    challenge,
    user,
    scope,
    nonce: hasScope(scope, 'openid') ? query.get('nonce') : null,
    authTime: ctx.clock.seconds(),
  });
  ctx.counters.increment('authorizations');
  return back({ code });
};

/**
 * GET /oauth/logout: OpenID Connect RP-Initiated Logout 1.0. An `id_token_hint` must be one this server
 * signed (expired ones too); a `post_logout_redirect_uri` must be registered for the client.
 */
export const endSession: RouteHandler = async (ctx, request) => {
  const query = new URL(request.url).searchParams;
  ctx.counters.increment('endSessions');
  const hint = query.get('id_token_hint');
  const claims = hint === null ? null : await ctx.idTokens.claims(hint);
  if (hint !== null && claims === null) return refuse('invalid_request', 'id_token_hint was not issued here');
  const audience = claims?.['aud'];
  const clientId = query.get('client_id') ?? (typeof audience === 'string' ? audience : null);
  if (claims !== null && typeof audience === 'string' && clientId !== audience) return refuse('invalid_request', 'client_id differs from the ID token audience');
  const target = query.get('post_logout_redirect_uri');
  if (target === null) return new Response('<!doctype html><title>Signed out</title><p>Signed out.</p>', { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  const client = clientOf(ctx.options.clients, clientId);
  if (client === undefined || !client.postLogoutRedirectUris.includes(target)) return refuse('invalid_request', 'post_logout_redirect_uri is not registered');
  return redirect(target, { state: query.get('state') });
};
