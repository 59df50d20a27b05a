import { http, HttpResponse, type RequestHandler } from 'msw';

/** MSW handlers answering every request under `origin` with the shared dispatch function. */
export function createMswHandlers(origin: string, handle: (request: Request) => Promise<Response>): readonly RequestHandler[] {
  const handler = http.all(`${origin}/*`, async ({ request }) => {
    const response = await handle(request);
    return response.type === 'error' ? HttpResponse.error() : response;
  });
  return Object.freeze([handler]);
}
