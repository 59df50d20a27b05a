import type { ServerContext } from './context';
import { withDpop } from './dpop/admission';
import { applyFault } from './fault-responses';
import { addCorsHeaders, preflight } from './http/cors';
import { json, methodNotAllowed, notFound } from './http/responses';
import { countRequest } from './request-metrics';
import { matchRoute } from './router';

async function route(ctx: ServerContext, request: Request, url: URL): Promise<Response> {
  const match = matchRoute(request.method, url.pathname);
  await countRequest(ctx, request, url, match.kind === 'route' ? match.route : undefined);
  if (match.kind === 'not-found') return notFound();
  if (match.kind === 'method-not-allowed') return methodNotAllowed(match.allowed);
  const { endpoint, handler } = match.route;
  if (endpoint === 'control') return handler(ctx, request, match.params);
  const run = (): Promise<Response> => withDpop(ctx, endpoint, request, () => handler(ctx, request, match.params));
  const fault = ctx.faults.take(endpoint);
  // At the authorization endpoint an OAuth error goes back to the client as a redirect (RFC 6749 §4.1.2.1).
  const withError = endpoint === 'authorize' ? (error: string) => handler(ctx, request, { ...match.params, injectedError: error }) : undefined;
  const response = fault ? await applyFault(fault, endpoint, run, withError) : await run();
  if (endpoint === 'resource' && response.status === 401) ctx.counters.increment('unauthorized');
  if (endpoint === 'resource' && response.status === 403) ctx.counters.increment('forbidden');
  return response;
}

/** The fetch-style entry point shared by the MSW and the loopback faces. */
export function createDispatcher(ctx: ServerContext): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method.toUpperCase() === 'OPTIONS') return stamp(ctx, request, preflight(request));
    let response: Response;
    try {
      response = await route(ctx, request, new URL(request.url));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response = json(500, { error: 'server_error', error_description: message });
    }
    return stamp(ctx, request, response);
  };
}

/** Date from the server clock and CORS headers; a dropped connection stays as it is. */
function stamp(ctx: ServerContext, request: Request, response: Response): Response {
  if (response.type === 'error') return response;
  response.headers.set('Date', new Date(ctx.clock.now()).toUTCString());
  addCorsHeaders(request, response.headers);
  return response;
}
