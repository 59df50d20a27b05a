/** A DPoP challenge's `error` (RFC 9449 §7.1), `''` for a DPoP challenge without one, undefined without a DPoP challenge. */
export function dpopChallengeError(response: Response): string | undefined {
  if (response.status !== 401) return undefined;
  const header = response.headers.get('www-authenticate') ?? '';
  const found = /(?:^|,)\s*dpop(?=\s|,|$)([^]*)$/i.exec(header.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => quoted.replace(/,/g, ' ')));
  if (found === null) return undefined;
  return /(?:^|[\s,])error\s*=\s*"?([\w.-]*)/i.exec(found[1] ?? '')?.[1] ?? '';
}

/** The DPoP-bound access token was refused (a DPoP challenge with `invalid_token` or no error): a refresh may help. */
export function isDpopTokenRejected(response: Response): boolean {
  const error = dpopChallengeError(response);
  return error === '' || error === 'invalid_token';
}

/** The `error` of a JSON error answer (RFC 6749 §5.2). Reads a clone. */
async function bodyError(response: Response): Promise<unknown> {
  if (response.status !== 400 && response.status !== 401) return undefined;
  try {
    const body: unknown = JSON.parse(await response.clone().text());
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server wants a (new) nonce: a `DPoP-Nonce` with a 400 `use_dpop_nonce` body (RFC 9449 §8, token
 * endpoints) or a 401 DPoP `use_dpop_nonce` challenge (§9, resources). Either shape is taken from either
 * kind of server, and a 401 with the body too: servers mix them up, and each means only "send again
 * with this nonce". Reads a clone.
 */
export const isNonceChallenge = async (response: Response): Promise<boolean> =>
  response.headers.has('dpop-nonce') && (dpopChallengeError(response) === 'use_dpop_nonce' || (await bodyError(response)) === 'use_dpop_nonce');

/** RFC 9449 §5 / §7.1: the proof itself was refused (`invalid_dpop_proof`), as a challenge or as a JSON error. */
export const isProofRefused = async (response: Response): Promise<boolean> =>
  dpopChallengeError(response) === 'invalid_dpop_proof' || (await bodyError(response)) === 'invalid_dpop_proof';
