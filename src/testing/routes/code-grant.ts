import type { ServerContext } from '../context';
import { bindFamily } from '../dpop/binding';
import { base64UrlEncode, utf8 } from '../encoding';
import { oauthError, tokenBody } from '../http/responses';
import { hasScope } from '../scope';
import { issuerOf } from './authorize-routes';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const s256 = async (verifier: string): Promise<string> =>
  base64UrlEncode(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(verifier))));

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): a one-time code bound to its
 * client, its exact redirect URI and its S256 challenge. A code presented twice revokes what it issued.
 */
export async function codeGrant(ctx: ServerContext, request: Request, params: URLSearchParams, clientId: string | undefined): Promise<Response> {
  const code = params.get('code');
  if (!code) return oauthError('invalid_request', 'code is required');
  const redemption = await ctx.codes.redeem(code);
  if (!redemption.ok) {
    if (redemption.reason === 'reused') {
      ctx.counters.increment('codeReuse');
      // RFC 6749 §4.1.2: the authorization server SHOULD revoke all tokens previously issued from that code.
      if (redemption.familyId !== null && ctx.revokeFamily(redemption.familyId) > 0) ctx.counters.increment('revocations');
      return oauthError('invalid_grant', 'The authorization code was already used');
    }
    return oauthError('invalid_grant', redemption.reason === 'expired' ? 'The authorization code expired' : 'Unknown authorization code');
  }
  const { grant } = redemption;
  if (clientId !== grant.clientId) return oauthError('invalid_grant', 'The code was issued to another client');
  if (params.get('redirect_uri') !== grant.redirectUri) return oauthError('invalid_grant', 'redirect_uri differs from the authorization request');
  const verifier = params.get('code_verifier');
  if (verifier === null || !VERIFIER.test(verifier) || (await s256(verifier)) !== grant.challenge) {
    ctx.counters.increment('pkceFailures');
    return oauthError('invalid_grant', 'PKCE verification failed');
  }
  const started = await ctx.sessions.start({
    user: grant.user,
    audience: ctx.options.audience,
    lifetime: ctx.options.refreshKeyLifetime,
    deviceInfo: null,
    content: { scope: grant.scope },
  });
  redemption.issued(started.record.familyId);
  // RFC 9449 §5: a code exchanged with a DPoP proof gives tokens bound to the proof's key (`token_type: DPoP`).
  bindFamily(ctx, request, started.record.familyId);
  const pair = await ctx.sessions.pair(started.record, started.refreshToken);
  ctx.counters.increment('codesExchanged');
  const idToken = hasScope(grant.scope, 'openid')
    ? await ctx.idTokens.issue({ issuer: issuerOf(request), clientId: grant.clientId, user: grant.user, nonce: grant.nonce, authTime: grant.authTime, sid: started.record.familyId })
    : undefined;
  return tokenBody(pair, idToken === undefined ? {} : { id_token: idToken });
}
