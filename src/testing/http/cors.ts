const ALLOW_HEADERS = 'authorization, content-type, dpop, idempotency-key, x-request-id';
const EXPOSE_HEADERS = 'www-authenticate, date, retry-after, dpop-nonce';
const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';

/** Adds CORS headers for credentialed cross-origin calls (echoing the Origin). */
export function addCorsHeaders(request: Request, headers: Headers): void {
  const origin = request.headers.get('origin');
  if (origin === null) return;
  headers.set('Access-Control-Allow-Origin', origin);
  headers.set('Access-Control-Allow-Credentials', 'true');
  headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  headers.append('Vary', 'Origin');
}

export function preflight(request: Request): Response {
  const headers = new Headers({
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  addCorsHeaders(request, headers);
  return new Response(null, { status: 204, headers });
}
