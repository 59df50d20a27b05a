import type { AccessTokenClaims } from '../access-tokens';
import type { ServerContext } from '../context';
import { readDpopToken, refuseBoundBearer, requireDpop } from '../dpop/resource-access';
import { json } from './responses';
import { readBearer } from './request-data';

export type BearerCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly response: Response };

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** RFC 6750 §3: a bare challenge when no credentials were sent, invalid_token otherwise. */
export function challenge(description?: string): Response {
  if (description === undefined) {
    return json(401, { error_description: 'Authentication required' }, { 'WWW-Authenticate': 'Bearer realm="tokenflight"' });
  }
  return json(
    401,
    { error: 'invalid_token', error_description: description },
    { 'WWW-Authenticate': `Bearer error="invalid_token", error_description=${quoted(description)}` },
  );
}

export function insufficientScope(scope: string): Response {
  return json(
    403,
    { error: 'insufficient_scope', error_description: `Requires scope ${scope}` },
    { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope=${quoted(scope)}` },
  );
}

/** Verifies the request's Bearer access token against the server clock and audience. */
export async function requireBearer(ctx: ServerContext, request: Request): Promise<BearerCheck> {
  // DPoP (RFC 9449 §7): the DPoP scheme with a proof, and never a key-bound token as Bearer.
  const dpopToken = readDpopToken(request);
  if (dpopToken !== undefined) return requireDpop(ctx, request, dpopToken);
  const token = readBearer(request);
  if (token === undefined) return { ok: false, response: challenge() };
  if (token === '') return { ok: false, response: challenge('The access token is malformed') };
  const check = await ctx.access.verify(token);
  if (!check.ok) return { ok: false, response: challenge(check.description) };
  return refuseBoundBearer(ctx, check.claims) ?? { ok: true, claims: check.claims };
}
