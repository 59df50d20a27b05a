import { http, HttpResponse, type RequestHandler } from 'msw';
import { createAuthServer, type AuthServer } from 'tokenflight/testing';

/** Where the demo's API lives. Nothing listens there: the service worker answers. */
export const API_ORIGIN = 'https://auth.test';
const HOST_LOCK = 'tokenflight-demo:server-host';
const FORWARD_TIMEOUT_MS = 5_000;

interface WireRequest {
  type: 'request';
  id: string;
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: ArrayBuffer | null;
}
interface WireResponse {
  type: 'response';
  id: string;
  status: number;
  headers: Array<[string, string]>;
  body: ArrayBuffer | null;
  networkError: boolean;
}
type Wire = WireRequest | WireResponse;

export interface SharedServer {
  /** Give these to `setupWorker`. */
  readonly handlers: readonly RequestHandler[];
  /** Settles once this tab knows whether it hosts the server. */
  readonly ready: Promise<void>;
  isHost(): boolean;
  /** The server's answer to `request`, from this tab's server or the host's (e.g. what the provider's authorization page answers). */
  answer(request: Request): Promise<Response>;
}

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD';
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * MSW sends each request to the handlers of the tab that made it, so every tab would get its own
 * in-memory server. To share one (the tokens of one tab must work in the others), one tab hosts the
 * reference server (whoever holds a Web Lock) and the others forward their requests to it over a
 * BroadcastChannel. When the host tab closes, the next tab takes over with a fresh server.
 */
export function createSharedServer(onHost: () => void = () => undefined): SharedServer {
  const channel = new BroadcastChannel('tokenflight-demo:server');
  let server: AuthServer | null = null;

  const becomeHost = (): Promise<never> => {
    // The page is the OAuth client `tokenflight`: its address is its redirect URI and its post-logout URI.
    const page = `${location.origin}/`;
    server = createAuthServer({
      origin: API_ORIGIN,
      accessTokenTtl: 120,
      users: [{ username: 'ada', password: 'lovelace', claims: { name: 'Ada Lovelace' } }],
      clients: [{ clientId: 'tokenflight', redirectUris: [page], postLogoutRedirectUris: [page] }],
    });
    onHost();
    return new Promise<never>(() => undefined); // hold the lock while the tab lives
  };
  const ready = new Promise<void>((known) => {
    void navigator.locks.request(HOST_LOCK, { ifAvailable: true }, (lock) => {
      known();
      if (lock) return becomeHost();
      void navigator.locks.request(HOST_LOCK, () => becomeHost());
      return undefined;
    });
  });

  channel.addEventListener('message', (event: MessageEvent<Wire>) => {
    const message = event.data;
    if (message.type !== 'request' || server === null) return;
    const request = new Request(message.url, {
      method: message.method,
      headers: message.headers,
      ...(message.body === null ? {} : { body: message.body }),
    });
    void server.handle(request).then(async (response) => {
      const reply: WireResponse = {
        type: 'response',
        id: message.id,
        status: response.type === 'error' ? 0 : response.status,
        headers: [...response.headers],
        body: response.type === 'error' ? null : await response.arrayBuffer(),
        networkError: response.type === 'error',
      };
      channel.postMessage(reply);
    });
  });

  async function forward(request: Request): Promise<Response> {
    const id = crypto.randomUUID();
    const body = hasBody(request.method) ? await request.arrayBuffer() : null;
    const wire: WireRequest = { type: 'request', id, method: request.method, url: request.url, headers: [...request.headers], body };
    return new Promise((resolve) => {
      const finish = (response: Response) => {
        clearTimeout(timer);
        channel.removeEventListener('message', onMessage);
        resolve(response);
      };
      const onMessage = (event: MessageEvent<Wire>) => {
        const reply = event.data;
        if (reply.type !== 'response' || reply.id !== id) return;
        const body = NULL_BODY.has(reply.status) ? null : reply.body;
        finish(reply.networkError ? Response.error() : new Response(body, { status: reply.status, headers: reply.headers }));
      };
      const timer = setTimeout(() => finish(HttpResponse.json({ error: 'temporarily_unavailable' }, { status: 503 })), FORWARD_TIMEOUT_MS);
      channel.addEventListener('message', onMessage);
      channel.postMessage(wire);
    });
  }

  const answer = (request: Request): Promise<Response> => (server === null ? forward(request) : server.handle(request));
  const handler = http.all(`${API_ORIGIN}/*`, async ({ request }) => {
    const response = await answer(request);
    return response.type === 'error' ? HttpResponse.error() : response;
  });

  return { handlers: [handler], ready, isHost: () => server !== null, answer };
}
