import type { AccessTokenClaims } from '../access-tokens';
import type { ServerContext } from '../context';
import type { BearerCheck } from '../http/bearer';
import { json } from '../http/responses';

type DpopError = 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** The `cnf.jkt` confirmation of an access token (RFC 9449 §6.1), when it has one. */
export function confirmedKey(claims: AccessTokenClaims): string | undefined {
  const cnf = claims['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>)['jkt'] : undefined;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** The token of an `Authorization: DPoP <token>` header, '' when empty, undefined for other schemes. */
export function readDpopToken(request: Request): string | undefined {
  const match = /^DPoP(?:\s+(.*))?$/i.exec(request.headers.get('authorization')?.trim() ?? '');
  return match ? (match[1] ?? '').trim() : undefined;
}

/** RFC 9449 §7.1 / §9: a DPoP challenge (with the nonce to use on `use_dpop_nonce`). */
export function dpopChallenge(ctx: ServerContext, error: DpopError, description: string): BearerCheck {
  const safe = description.replace(/["\\]/g, '');
  const headers: Record<string, string> = {
    'WWW-Authenticate': `DPoP error="${error}", error_description="${safe}", algs="${ctx.dpop.options.algs.join(' ')}"`,
  };
  const nonce = ctx.dpop.nonces.header('rs');
  if (error === 'use_dpop_nonce' && nonce !== undefined) headers['DPoP-Nonce'] = nonce;
  return { ok: false, response: json(401, { error, error_description: description }, headers) };
}

/** A Bearer presentation of a key-bound token is refused (RFC 9449 §7.2). */
export function refuseBoundBearer(ctx: ServerContext, claims: AccessTokenClaims): BearerCheck | undefined {
  if (confirmedKey(claims) === undefined) return undefined;
  ctx.dpop.refuse('bearer-for-bound');
  return dpopChallenge(ctx, 'invalid_token', 'The access token is bound to a key: present it with the DPoP scheme and a proof');
}

/** RFC 9449 §7.1: the proof (with `ath`), then the token, then the token's binding to the proof's key. */
export async function requireDpop(ctx: ServerContext, request: Request, token: string): Promise<BearerCheck> {
  if (token === '') return dpopChallenge(ctx, 'invalid_token', 'The access token is malformed');
  const proof = request.headers.get('dpop');
  if (proof === null) {
    ctx.dpop.refuse('missing');
    return dpopChallenge(ctx, 'invalid_dpop_proof', 'A DPoP proof is required');
  }
  const check = await ctx.dpop.check('rs', proof, request, token);
  if (!check.ok) return dpopChallenge(ctx, check.reason === 'nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof', check.description);
  const access = await ctx.access.verify(token);
  if (!access.ok) return dpopChallenge(ctx, 'invalid_token', access.description);
  const bound = confirmedKey(access.claims);
  if (bound === undefined) return dpopChallenge(ctx, 'invalid_token', 'The access token is not bound to a key');
  if (bound !== check.jkt) {
    ctx.dpop.refuse('key-mismatch');
    return dpopChallenge(ctx, 'invalid_token', 'The access token is bound to another key');
  }
  return { ok: true, claims: access.claims };
}
