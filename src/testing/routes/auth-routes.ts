import type { ServerContext } from '../context';
import { bindFamily, refuseUnboundUse } from '../dpop/binding';
import { authError, json, noContent } from '../http/responses';
import { readCookie, readJsonObject } from '../http/request-data';
import { cleanDeviceInfo, type IssuedPair } from '../sessions';
import type { RouteHandler } from './route-types';

export const REFRESH_COOKIE = 'tf_refresh';

function cookie(value: string, maxAge: number): string {
  return `${REFRESH_COOKIE}=${value}; HttpOnly; Secure; SameSite=Strict; Path=/auth; Max-Age=${maxAge}`;
}

function clearCookieHeaders(ctx: ServerContext): Record<string, string> {
  return ctx.options.cookieMode ? { 'Set-Cookie': cookie('', 0) } : {};
}

function tokenResponse(ctx: ServerContext, pair: IssuedPair): Response {
  const body = { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn, tokenType: pair.tokenType };
  if (!ctx.options.cookieMode) return json(200, body);
  const { refreshToken: _omitted, ...rest } = body;
  const maxAge = Math.max(0, Math.floor((pair.refreshExpiresAt - ctx.clock.now()) / 1000));
  return json(200, rest, { 'Set-Cookie': cookie(pair.refreshToken, maxAge) });
}

/** Cookie first in cookie mode, then the JSON body. */
function presentedToken(ctx: ServerContext, request: Request, body: Readonly<Record<string, unknown>>): string | undefined {
  const fromCookie = ctx.options.cookieMode ? readCookie(request, REFRESH_COOKIE) : undefined;
  if (fromCookie) return fromCookie;
  const fromBody = body['refreshToken'];
  return typeof fromBody === 'string' && fromBody !== '' ? fromBody : undefined;
}

export const login: RouteHandler = async (ctx, request) => {
  const body = await readJsonObject(request);
  if (body === null) return authError(400, 'invalid_request', 'Expected a JSON object body');
  const { username, password, audience } = body;
  if (typeof username !== 'string' || typeof password !== 'string') {
    return authError(400, 'invalid_request', 'username and password are required');
  }
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    return authError(400, 'invalid_request', 'audience must be a non-empty string');
  }
  const user = ctx.sessions.authenticate(username, password);
  if (!user) return authError(401, 'invalid_grant', 'Invalid username or password');
  const started = await ctx.sessions.start({
    user,
    audience: audience ?? ctx.options.audience,
    lifetime: ctx.options.refreshKeyLifetime,
    deviceInfo: cleanDeviceInfo(body['deviceInfo']),
  });
  bindFamily(ctx, request, started.record.familyId); // DPoP: the session is bound to the proof's key
  return tokenResponse(ctx, await ctx.sessions.pair(started.record, started.refreshToken));
};

export const refresh: RouteHandler = async (ctx, request) => {
  const body = await readJsonObject(request, ctx.options.cookieMode);
  if (body === null) return authError(400, 'invalid_request', 'Expected a JSON object body');
  const refreshToken = presentedToken(ctx, request, body);
  if (refreshToken === undefined) return authError(400, 'invalid_request', 'refreshToken is required');
  const unbound = await refuseUnboundUse(ctx, request, refreshToken); // DPoP: a bound token needs its key's proof
  if (unbound) return unbound;
  const result = await ctx.rotator.refresh({ refreshToken, deviceInfo: cleanDeviceInfo(body['deviceInfo']) });
  if (!result.ok) {
    return json(401, { error: result.error, error_description: result.description }, clearCookieHeaders(ctx));
  }
  return tokenResponse(ctx, result.pair);
};

export const logout: RouteHandler = async (ctx, request) => {
  const body = (await readJsonObject(request, true)) ?? {};
  const refreshToken = presentedToken(ctx, request, body);
  if (refreshToken === undefined) return authError(400, 'invalid_request', 'refreshToken is required');
  const record = await ctx.sessions.find(refreshToken);
  if (record && ctx.revokeFamily(record.familyId) > 0) ctx.counters.increment('revocations');
  return noContent(clearCookieHeaders(ctx));
};
