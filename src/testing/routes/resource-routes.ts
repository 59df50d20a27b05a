import { insufficientScope, requireBearer } from '../http/bearer';
import { json } from '../http/responses';
import { hasScope } from '../scope';
import type { RouteHandler } from './route-types';

/** Wraps a handler so it only runs with a valid access token. */
function protectedRoute(run: (...args: [...Parameters<RouteHandler>, claims: { sub: string; scope: string }]) => Promise<Response>): RouteHandler {
  return async (ctx, request, params) => {
    const check = await requireBearer(ctx, request);
    return check.ok ? run(ctx, request, params, check.claims) : check.response;
  };
}

export const me = protectedRoute(async (ctx, _request, _params, claims) => {
  const username = ctx.sessions.userBySub(claims.sub)?.username ?? null;
  return json(200, { sub: claims.sub, username, scope: claims.scope });
});

export const item = protectedRoute(async (_ctx, _request, params) => json(200, { id: params['id'] ?? '' }));

export const admin = protectedRoute(async (_ctx, _request, _params, claims) =>
  hasScope(claims.scope, 'admin') ? json(200, { sub: claims.sub, admin: true }) : insufficientScope('admin'),
);

/** Returns the request body byte for byte with the same content type. */
export const echo = protectedRoute(async (_ctx, request) => {
  const body = await request.arrayBuffer();
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  const type = request.headers.get('content-type');
  if (type !== null) headers['Content-Type'] = type;
  return new Response(body, { status: 200, headers });
});
