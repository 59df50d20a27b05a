import { isNonceChallenge, isProofRefused } from './challenge';
import type { createNonceCache } from './nonces';
import type { createServerClocks } from './server-clocks';
import { createProof, type Sha256 } from './proof';
import type { DpopSigner } from './types';

type Send = (request: Request) => Promise<Response>;

export interface SenderContext {
  readonly nonces: ReturnType<typeof createNonceCache>;
  readonly sha256: Sha256;
  /** Each server's clock: a proof's `iat` is on the clock of the server it goes to. */
  readonly clocks: ReturnType<typeof createServerClocks>;
  readonly jti: () => string;
}

export interface ProvenSend {
  readonly signer: DpopSigner;
  /** Resource requests: the bound access token (`Authorization: DPoP`, `ath`). */
  readonly accessToken?: string;
  /** False for stream bodies: a nonce challenge then goes to the caller. */
  readonly replayable: boolean;
}

async function withProof(request: Request, how: ProvenSend, ctx: SenderContext): Promise<Request> {
  const proof = await createProof(
    how.signer,
    {
      htm: request.method,
      url: request.url,
      iat: Math.floor(ctx.clocks.at(request.url) / 1000),
      jti: ctx.jti(),
      nonce: ctx.nonces.get(request.url),
      accessToken: how.accessToken,
    },
    ctx.sha256,
  );
  // Copied entry by entry: `new Headers(headers)` can lose entries where Headers is patched (MSW's interceptors).
  const headers = new Headers([...request.headers]);
  headers.set('dpop', proof);
  if (how.accessToken !== undefined) headers.set('authorization', `DPoP ${how.accessToken}`);
  return new Request(request, { headers });
}

/**
 * Sends with a fresh proof; remembers the answer's nonce and the server's clock; sends once more with a
 * new proof when the answer is a nonce challenge (RFC 9449 §8, §9), or refuses the proof while its
 * `Date` shows the proof's `iat` was on a clock far off the server's (§11.1: a device clock set wrong).
 * The second answer goes to the caller whatever it is: there is never a third send.
 */
export async function sendWithProof(request: Request, send: Send, how: ProvenSend, ctx: SenderContext): Promise<Response> {
  const spare = !how.replayable ? null : request.body === null ? request : request.clone();
  const release = () => void (spare !== request ? spare?.body?.cancel().catch(() => undefined) : undefined);
  let first: Response;
  // The offset this proof's `iat` is made with: a proof refused for its time is sent again only if the server's `Date` says it was off.
  const used = ctx.clocks.skew(request.url);
  try {
    first = await send(await withProof(request, how, ctx));
  } catch (error) {
    release();
    throw error;
  }
  ctx.nonces.remember(request.url, first);
  ctx.clocks.learn(request.url, first);
  const again = spare !== null && ((await isNonceChallenge(first)) || (ctx.clocks.wasOff(request.url, used) && (await isProofRefused(first))));
  if (!again) {
    release();
    return first;
  }
  void first.body?.cancel().catch(() => undefined);
  const second = await send(await withProof(spare, how, ctx));
  ctx.nonces.remember(request.url, second);
  ctx.clocks.learn(request.url, second);
  return second;
}
