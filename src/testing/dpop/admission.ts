import type { ServerContext } from '../context';
import { oauthJson } from '../http/responses';
import type { FaultEndpoint } from '../types';
import type { DpopFace } from './nonces';

const TOKEN_ENDPOINTS: ReadonlySet<FaultEndpoint> = new Set(['login', 'refresh', 'token', 'revoke', 'logout']);

/** RFC 9449 §5 / §8: `invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to use, from the token endpoints. */
export function tokenEndpointRefusal(ctx: ServerContext, error: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string): Response {
  const nonce = ctx.dpop.nonces.header('as');
  return oauthJson(400, { error, error_description: description }, error === 'use_dpop_nonce' && nonce !== undefined ? { 'DPoP-Nonce': nonce } : {});
}

/** Checks the proof of a token-endpoint call (when it has one, or must have one). */
async function admit(ctx: ServerContext, request: Request): Promise<Response | undefined> {
  const proof = request.headers.get('dpop');
  if (proof === null) {
    if (!ctx.dpop.options.required) return undefined;
    ctx.dpop.refuse('missing');
    return tokenEndpointRefusal(ctx, 'invalid_dpop_proof', 'A DPoP proof is required');
  }
  const check = await ctx.dpop.check('as', proof, request);
  if (check.ok) {
    ctx.dpop.admitted(request, check.jkt);
    return undefined;
  }
  return tokenEndpointRefusal(ctx, check.reason === 'nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof', check.description);
}

/**
 * Runs a route behind the DPoP checks of its face: token endpoints check the proof before the
 * handler; every answer of a face that requires nonces carries the current one (also on success).
 */
export async function withDpop(ctx: ServerContext, endpoint: FaultEndpoint, request: Request, run: () => Promise<Response>): Promise<Response> {
  const face: DpopFace = TOKEN_ENDPOINTS.has(endpoint) ? 'as' : 'rs';
  const response = (face === 'as' ? await admit(ctx, request) : undefined) ?? (await run());
  const nonce = ctx.dpop.nonces.header(face);
  if (nonce !== undefined && response.type !== 'error' && !response.headers.has('dpop-nonce')) response.headers.set('DPoP-Nonce', nonce);
  return response;
}
