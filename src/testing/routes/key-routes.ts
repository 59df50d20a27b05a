import type { ServerContext } from '../context';
import { requireBearer } from '../http/bearer';
import { authError, json, noContent } from '../http/responses';
import { readJsonObject } from '../http/request-data';
import { cleanDeviceInfo } from '../sessions';
import type { PublicRefreshKey, RefreshKeyRecord } from '../types';
import type { RouteHandler } from './route-types';

function publicView(record: RefreshKeyRecord): PublicRefreshKey {
  const { tokenHash: _hidden, ...rest } = record;
  return rest;
}

function ownedBy(sub: string): (record: RefreshKeyRecord) => boolean {
  return (record) => record.content.sub === sub;
}

/** Who calls: the user, and the key family (`sid`) the access token was issued from. */
async function caller(ctx: ServerContext, request: Request): Promise<{ sub: string; sid: string | undefined } | Response> {
  const check = await requireBearer(ctx, request);
  return check.ok ? { sub: check.claims.sub, sid: typeof check.claims.sid === 'string' ? check.claims.sid : undefined } : check.response;
}

/**
 * GET /auth/keys: the caller's refresh keys, without hashes. `current` marks the keys of the session
 * making the call (the family named by the access token's `sid` claim), so a client can tell that
 * revoking it ends its own session.
 */
export const listKeys: RouteHandler = async (ctx, request) => {
  const who = await caller(ctx, request);
  if (who instanceof Response) return who;
  return json(200, { keys: ctx.store.list(ownedBy(who.sub)).map((record) => ({ ...publicView(record), current: record.familyId === who.sid })) });
};

/** DELETE /auth/keys/:jti: revokes one of the caller's keys together with its family. */
export const deleteKey: RouteHandler = async (ctx, request, params) => {
  const who = await caller(ctx, request);
  if (who instanceof Response) return who;
  const record = ctx.store.get(params['jti'] ?? '');
  if (!record || record.content.sub !== who.sub) return authError(404, 'not_found', 'No such key');
  if (ctx.revokeFamily(record.familyId) > 0) ctx.counters.increment('revocations');
  return noContent();
};

/** POST /auth/keys: mints a long-lived key for a service or script. */
export const createKey: RouteHandler = async (ctx, request) => {
  const who = await caller(ctx, request);
  if (who instanceof Response) return who;
  const body = await readJsonObject(request);
  if (body === null) return authError(400, 'invalid_request', 'Expected a JSON object body');
  const { audience, lifetime } = body;
  if (typeof audience !== 'string' || audience === '' || typeof lifetime !== 'number' || !(lifetime > 0) || !Number.isFinite(lifetime)) {
    return authError(400, 'invalid_request', 'audience (string) and lifetime (positive seconds) are required');
  }
  const user = ctx.sessions.userBySub(who.sub);
  if (!user) return authError(404, 'not_found', 'No such user');
  const started = await ctx.sessions.start({ user, audience, lifetime, deviceInfo: cleanDeviceInfo(body['deviceInfo']) });
  const { record } = started;
  return json(201, { refreshKey: started.refreshToken, jti: record.jti, audience: record.audience, expiresAt: record.expiresAt });
};
