import { beforeEach } from 'vitest';
import { dpop, memoryKeyStore, webCryptoKeys, type AuthClientOptions, type DpopKeyStore, type DpopOptions } from '../../src';
import { setup } from '../client/support';

export { API, advance, flush, jump, record, signIn } from '../client/support';

/** One request as it left the client: never the body, only what DPoP is about. */
export interface WireEntry {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly proof: string | null;
  readonly claims: Record<string, unknown> | null;
  readonly header: Record<string, unknown> | null;
}

const decode = (part: string | undefined): Record<string, unknown> => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** The client test setup plus a wire log of every request (headers only) and DPoP helpers. */
export function setupDpop() {
  const env = setup();
  const wire: WireEntry[] = [];
  beforeEach(() => void wire.splice(0));
  const logged: typeof fetch = (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const proof = request.headers.get('dpop');
    const [header, claims] = proof === null ? [] : proof.split('.');
    wire.push({
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get('authorization'),
      proof,
      claims: proof === null ? null : decode(claims),
      header: proof === null ? null : decode(header),
    });
    return fetch(input, init);
  };
  return {
    ...env,
    wire,
    /** A client with DPoP on (ES256 keys in `store`, a fresh memory store by default). */
    dpopClient(options: Partial<AuthClientOptions> = {}, store: DpopKeyStore = memoryKeyStore(), extra: DpopOptions = {}) {
      return env.client({ fetch: logged, dpop: dpop({ keys: webCryptoKeys({ store }), ...extra }), ...options });
    },
    plainClient(options: Partial<AuthClientOptions> = {}) {
      return env.client({ fetch: logged, ...options });
    },
    /** Wire entries to a path (and method). */
    to(path: string, method?: string) {
      return wire.filter((entry) => entry.path === path && (method === undefined || entry.method === method));
    },
    clear: () => void wire.splice(0),
  };
}

/** The `jti` of every entry (each must be unique). */
export const jtis = (entries: readonly WireEntry[]) => entries.map((entry) => entry.claims?.['jti']);
