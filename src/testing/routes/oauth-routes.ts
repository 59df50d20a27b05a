import type { ServerContext } from '../context';
import { bindFamily, refuseUnboundUse } from '../dpop/binding';
import { oauthError, raw, tokenBody } from '../http/responses';
import { isFormRequest, readBasicClient, readForm } from '../http/request-data';
import { isSubsetScope, normaliseScope } from '../scope';
import { codeGrant } from './code-grant';
import type { RouteHandler } from './route-types';

type ClientCheck = { readonly ok: true; readonly clientId: string | undefined } | { readonly ok: false; readonly response: Response };

/** Client identification from HTTP Basic or the `client_id` body parameter (RFC 6749 §2.3.1). */
function identifyClient(ctx: ServerContext, request: Request, params: URLSearchParams, required: boolean): ClientCheck {
  const basic = readBasicClient(request);
  if (basic === null) return { ok: false, response: oauthError('invalid_client', 'Malformed Basic credentials') };
  const fromBody = params.get('client_id') ?? undefined;
  if (basic && fromBody !== undefined && basic.clientId !== fromBody) {
    return { ok: false, response: oauthError('invalid_request', 'client_id differs between header and body') };
  }
  const clientId = basic?.clientId ?? fromBody;
  if (clientId === undefined) {
    return required ? { ok: false, response: oauthError('invalid_request', 'client_id is required') } : { ok: true, clientId };
  }
  if (!ctx.options.clients.some((client) => client.clientId === clientId)) return { ok: false, response: oauthError('invalid_client', 'Unknown client') };
  return { ok: true, clientId };
}

async function passwordGrant(ctx: ServerContext, request: Request, params: URLSearchParams): Promise<Response> {
  const username = params.get('username');
  const password = params.get('password');
  if (username === null || password === null) return oauthError('invalid_request', 'username and password are required');
  const user = ctx.sessions.authenticate(username, password);
  if (!user) return oauthError('invalid_grant', 'Invalid username or password');
  const requested = params.get('scope');
  const scope = requested === null ? user.scope : normaliseScope(requested);
  if (!isSubsetScope(scope, user.scope)) return oauthError('invalid_scope', 'The requested scope exceeds the granted scope');
  const started = await ctx.sessions.start({
    user,
    audience: params.get('audience') || ctx.options.audience,
    lifetime: ctx.options.refreshKeyLifetime,
    deviceInfo: null,
    content: { scope },
  });
  bindFamily(ctx, request, started.record.familyId); // DPoP: the session is bound to the proof's key
  return tokenBody(await ctx.sessions.pair(started.record, started.refreshToken));
}

async function refreshGrant(ctx: ServerContext, request: Request, params: URLSearchParams): Promise<Response> {
  const refreshToken = params.get('refresh_token');
  if (!refreshToken) return oauthError('invalid_request', 'refresh_token is required');
  const unbound = await refuseUnboundUse(ctx, request, refreshToken); // DPoP: a bound token needs its key's proof
  if (unbound) return unbound;
  const scope = params.get('scope');
  const result = await ctx.rotator.refresh({ refreshToken, deviceInfo: null, ...(scope === null ? {} : { scope }) });
  return result.ok ? tokenBody(result.pair) : oauthError(result.error, result.description);
}

/** RFC 6749 token endpoint: authorization_code, password and refresh_token grants. */
export const token: RouteHandler = async (ctx, request) => {
  if (!isFormRequest(request)) return oauthError('invalid_request', 'Expected application/x-www-form-urlencoded');
  const { params, duplicated } = await readForm(request);
  if (duplicated !== null) return oauthError('invalid_request', `Parameter ${duplicated} was sent more than once`);
  const grantType = params.get('grant_type');
  if (!grantType) return oauthError('invalid_request', 'grant_type is required');
  const client = identifyClient(ctx, request, params, true);
  if (!client.ok) return client.response;
  if (grantType === 'password') return passwordGrant(ctx, request, params);
  if (grantType === 'refresh_token') return refreshGrant(ctx, request, params);
  if (grantType === 'authorization_code') return codeGrant(ctx, request, params, client.clientId);
  return oauthError('unsupported_grant_type', `Unsupported grant_type ${grantType}`);
};

/** RFC 7009 revocation: 200 whether or not the token was known. */
export const revoke: RouteHandler = async (ctx, request) => {
  if (!isFormRequest(request)) return oauthError('invalid_request', 'Expected application/x-www-form-urlencoded');
  const { params } = await readForm(request);
  const client = identifyClient(ctx, request, params, false);
  if (!client.ok) return client.response;
  const tokenValue = params.get('token');
  if (!tokenValue) return oauthError('invalid_request', 'token is required');
  const record = await ctx.sessions.find(tokenValue);
  const revoked = record ? ctx.revokeFamily(record.familyId) > 0 : await ctx.access.revoke(tokenValue);
  if (revoked) ctx.counters.increment('revocations');
  return raw(200, null);
};

