import { EndpointFailureError } from '../endpoint/failure';
import { SessionEndedError } from '../errors';
import type { Clock } from '../lifecycle/clock';
import type { Persistence } from '../session/persistence';
import type { TokenSet } from '../session/token-set';
import { b64u } from './encoding';
import { isDpopTokenRejected } from './challenge';
import { createNonceCache } from './nonces';
import { createServerClocks } from './server-clocks';
import { jwkThumbprint, webSha256 } from './proof';
import { sendWithProof, type SenderContext } from './sender';
import type { DpopOptions, DpopSigner } from './types';
import { webCryptoKeys } from './webcrypto-keys';

type Fetch = typeof globalThis.fetch;
interface LoadedKey {
  readonly signer: DpopSigner;
  readonly jkt: string;
}

/** How many refresh tokens' bindings are remembered (the current one and a few the session layer saw before it). */
const BINDINGS_KEPT = 8;

/** Why a session bound to a DPoP key ends when that key is gone (cleared IndexedDB, another device). */
export const DPOP_KEY_LOST = 'dpop-key-lost';

/**
 * What the client needs from DPoP. One per client; nothing is shared between clients. Everything
 * DPoP-specific lives behind this object, so a client without the `dpop` option only carries the
 * `dpop?.` calls that reach it.
 */
export interface DpopSession {
  /** Token endpoint calls: a fresh proof per send, one nonce retry (400 `use_dpop_nonce`). */
  tokenFetch(fetch: Fetch): Fetch;
  /** The key a parsed `token_type: DPoP` response is bound to: the one its request proved; undefined otherwise (the parser then refuses `DPoP`). */
  boundTo(body: unknown, response: Response): string | undefined;
  /** Before a refresh: throws the terminal `dpop-key-lost` failure when `refreshToken` is bound to a key this client does not hold any more. */
  checkRefresh(refreshToken: string | null): Promise<void>;
  /** False when `jkt` is not the current key (re-read once: another tab may have rotated it). */
  holdsKey(jkt: string): Promise<boolean>;
  /**
   * Sends a request with a token bound to `jkt`: `Authorization: DPoP`, a proof with `ath`, one nonce
   * retry (401 challenge). Never Bearer: a key this client lost ends the call with `dpop-key-lost`.
   */
  present(request: Request, jkt: string, accessToken: string, send: (request: Request) => Promise<Response>, replayable: boolean): Promise<Response>;
  /** A 401 with a DPoP `invalid_token` challenge: the bound token was refused. */
  isTokenRejected(response: Response): boolean;
  /** Learns which key each token set the session layer loads or saves is bound to. */
  observe(persistence: Persistence): Persistence;
  /** After a local logout: forgets the key when `rotateOnLogout` is set. */
  loggedOut(): Promise<void>;
}

/** What `createAuthClient` passes when it creates its DPoP session (its resolved options). */
export interface DpopContext {
  readonly clientId?: string | undefined;
  readonly storageKey: string;
  readonly clock: Clock;
}

/** The value of the `dpop` option: created by `dpop()`, so a client without it carries none of this code. */
export interface DpopOption {
  /** @internal Called once by `createAuthClient`. */
  create(context: DpopContext): DpopSession;
}

/**
 * Turns DPoP (RFC 9449) on: `createAuthClient({ ..., dpop: dpop() })`. Every token-endpoint call and
 * every request to a trusted origin carries a fresh proof of a key the client holds; tokens the server
 * binds to that key (`token_type: DPoP`) are only ever sent with the DPoP scheme, never as Bearer.
 */
export function dpop(options: DpopOptions = {}): DpopOption {
  return {
    create(context) {
      const keys = options.keys ?? webCryptoKeys();
      const sha256 = options.sha256 ?? webSha256;
      const random = options.randomBytes ?? ((size: number) => globalThis.crypto.getRandomValues(new Uint8Array(size)));
      // One key per client id and storage key (shared by the tabs of an origin).
      const keyName = `${context.clientId ?? 'tokenflight'}:${context.storageKey}`;
      const ctx: SenderContext = { nonces: createNonceCache(), sha256, clocks: createServerClocks(() => context.clock.now()), jti: () => b64u(random(16)) };
      const bindings = new Map<string, string | undefined>();
      const proved = new WeakMap<Response, string>();
      let current: Promise<LoadedKey> | undefined;

      const load = async (): Promise<LoadedKey> => {
        const signer = await keys.load(keyName);
        return { signer, jkt: await jwkThumbprint(signer.jwk, sha256) };
      };
      const key = (): Promise<LoadedKey> =>
        (current ??= load().catch((error: unknown) => {
          current = undefined;
          throw error;
        }));
      const holdsKey = async (jkt: string): Promise<boolean> => {
        if ((await key()).jkt === jkt) return true;
        current = undefined;
        return (await key()).jkt === jkt;
      };
      const learn = (tokens: TokenSet): void => {
        if (tokens.refreshToken === null) return;
        bindings.delete(tokens.refreshToken);
        bindings.set(tokens.refreshToken, tokens.jkt);
        for (const oldest of bindings.keys()) {
          if (bindings.size <= BINDINGS_KEPT) break;
          bindings.delete(oldest);
        }
      };

      return {
        tokenFetch: (fetch) => async (input, init) => {
          const request = input instanceof Request ? input : new Request(input, init);
          const extra = input instanceof Request ? init : undefined;
          const { signer, jkt } = await key();
          const response = await sendWithProof(request, (signed) => fetch(signed, extra), { signer, replayable: true }, ctx);
          proved.set(response, jkt);
          return response;
        },
        boundTo(body, response) {
          if (typeof body !== 'object' || body === null) return undefined;
          // RFC 9449 §5: `token_type: DPoP` answers a proof; a Bearer answer (unbound tokens) is not bound.
          const record = body as Record<string, unknown>;
          const type = record['token_type'] ?? record['tokenType'];
          return typeof type === 'string' && type.toLowerCase() === 'dpop' ? proved.get(response) : undefined;
        },
        async checkRefresh(refreshToken) {
          // A token bound to a key this client no longer holds can never be used: the session ends without sending it.
          const jkt = refreshToken === null ? undefined : bindings.get(refreshToken);
          if (jkt !== undefined && !(await holdsKey(jkt))) throw new EndpointFailureError({ kind: 'terminal', reason: DPOP_KEY_LOST });
        },
        holdsKey,
        async present(request, jkt, accessToken, send, replayable) {
          if (!(await holdsKey(jkt))) throw new SessionEndedError(DPOP_KEY_LOST);
          const { signer } = await key();
          return sendWithProof(request, send, { signer, accessToken, replayable }, ctx);
        },
        isTokenRejected: isDpopTokenRejected,
        observe: (persistence) => ({
          ...persistence,
          async load() {
            const loaded = await persistence.load();
            if (loaded.kind === 'session') learn(loaded.tokens);
            return loaded;
          },
          async save(tokens, stillCurrent, accept) {
            learn(tokens);
            const saved = await persistence.save(tokens, stillCurrent, accept);
            if (saved.kind === 'conflict' && saved.stored.kind === 'session') learn(saved.stored.tokens);
            return saved;
          },
        }),
        async loggedOut() {
          if (options.rotateOnLogout !== true) return;
          current = undefined;
          await keys.remove(keyName).catch(() => undefined);
        },
      };
    },
  };
}
