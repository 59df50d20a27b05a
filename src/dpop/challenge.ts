/** A DPoP challenge's `error` (RFC 9449 §7.1), `''` for a DPoP challenge without one, undefined without a DPoP challenge. */
export function dpopChallengeError(response: Response): string | undefined {
  if (response.status !== 401) return undefined;
  const header = response.headers.get('www-authenticate') ?? '';
  const found = /(?:^|,)\s*dpop(?=\s|,|$)([^]*)$/i.exec(header.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => quoted.replace(/,/g, ' ')));
  if (found === null) return undefined;
  return /(?:^|[\s,])error\s*=\s*"?([\w.-]*)/i.exec(found[1] ?? '')?.[1] ?? '';
}

/** RFC 9449 §9: the resource server wants a (new) nonce. */
export const isResourceNonceChallenge = (response: Response): boolean => dpopChallengeError(response) === 'use_dpop_nonce';

/** The DPoP-bound access token was refused (a DPoP challenge with `invalid_token` or no error): a refresh may help. */
export function isDpopTokenRejected(response: Response): boolean {
  const error = dpopChallengeError(response);
  return error === '' || error === 'invalid_token';
}

/** The `error` of a token endpoint's 400 answer (RFC 6749 §5.2). Reads a clone. */
async function tokenEndpointError(response: Response): Promise<unknown> {
  if (response.status !== 400) return undefined;
  try {
    const body: unknown = JSON.parse(await response.clone().text());
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 9449 §8: the authorization server wants a (new) nonce (a 400 `use_dpop_nonce` body). Reads a clone. */
export const isTokenEndpointNonceChallenge = async (response: Response): Promise<boolean> =>
  response.headers.has('dpop-nonce') && (await tokenEndpointError(response)) === 'use_dpop_nonce';

/** RFC 9449 §5 / §7.1: the proof itself was refused (`invalid_dpop_proof`) by the token endpoint (`as`) or a resource (`rs`). */
export const isProofRefused = async (response: Response, face: 'as' | 'rs'): Promise<boolean> =>
  face === 'rs' ? dpopChallengeError(response) === 'invalid_dpop_proof' : (await tokenEndpointError(response)) === 'invalid_dpop_proof';
