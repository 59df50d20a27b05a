import type { ServerContext } from '../context';
import { tokenEndpointRefusal } from './admission';

/** Binds a new key family to the key of the request's proof, if it carried one (RFC 9449 §5). */
export function bindFamily(ctx: ServerContext, request: Request, familyId: string): void {
  const jkt = ctx.dpop.keyOf(request);
  if (jkt !== undefined) ctx.dpop.bind(familyId, jkt);
}

/**
 * RFC 9449 §5: a refresh token bound to a key is only accepted with a proof of that key. Checked
 * before the exchange, so a refused presentation never spends (nor revokes) the token.
 */
export async function refuseUnboundUse(ctx: ServerContext, request: Request, refreshToken: string): Promise<Response | undefined> {
  const record = await ctx.sessions.find(refreshToken);
  const bound = record === undefined ? undefined : ctx.dpop.boundTo(record.familyId);
  if (bound === undefined) return undefined;
  const presented = ctx.dpop.keyOf(request);
  if (presented === undefined) {
    ctx.dpop.refuse('missing');
    return tokenEndpointRefusal(ctx, 'invalid_dpop_proof', 'The refresh token is bound to a key: a DPoP proof is required');
  }
  if (presented === bound) return undefined;
  ctx.dpop.refuse('key-mismatch');
  return tokenEndpointRefusal(ctx, 'invalid_dpop_proof', 'The refresh token is bound to another key');
}
