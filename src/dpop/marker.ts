/**
 * The key a token response was answered to, set on the parsed body by the DPoP layer. A symbol key
 * no JSON can carry: a server can never make a client that is not using DPoP accept `token_type: DPoP`.
 */
export const PROOF_KEY: unique symbol = Symbol.for('tokenflight.dpop.jkt');

export type MarkedBody = { readonly [PROOF_KEY]?: string };

/** The thumbprint a parsed token response was obtained with, when the DPoP layer marked it. */
export function proofKeyOf(body: object): string | undefined {
  const jkt = (body as MarkedBody)[PROOF_KEY];
  return typeof jkt === 'string' ? jkt : undefined;
}
