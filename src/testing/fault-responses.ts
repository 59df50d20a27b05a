import { oauthError, raw } from './http/responses';
import type { Fault, FaultEndpoint, MalformedKind } from './types';

function wait(ms: number): Promise<void> {
  // Looked up at call time so fake timers drive it.
  return new Promise((resolve) => globalThis.setTimeout(resolve, ms));
}

function malformed(kind: MalformedKind, endpoint: FaultEndpoint): Response {
  switch (kind) {
    case 'html':
      return raw(200, '<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>', {
        'Content-Type': 'text/html; charset=utf-8',
      });
    case 'garbled-json':
      return raw(200, '{"accessToken":"eyJhbGciOi', { 'Content-Type': 'application/json' });
    case 'missing-fields': {
      const body = endpoint === 'token' ? { token_type: 'Bearer', expires_in: 300 } : { tokenType: 'Bearer', expiresIn: 300 };
      return raw(200, JSON.stringify(body), { 'Content-Type': 'application/json' });
    }
    case 'empty':
      return raw(200, '', { 'Content-Type': 'application/json' });
  }
}

/**
 * Applies one injected fault to a call. `run` performs the real handling;
 * `Response.error()` stands for a dropped connection.
 */
export async function applyFault(
  fault: Fault,
  endpoint: FaultEndpoint,
  run: () => Promise<Response>,
  withError?: (error: string) => Promise<Response>,
): Promise<Response> {
  switch (fault.type) {
    case 'status':
      return raw(fault.status, fault.body ?? null, fault.headers ?? {});
    case 'oauth-error':
      if (withError !== undefined) return withError(fault.error);
      return oauthError(fault.error, 'Injected fault', fault.status);
    case 'delay':
      await wait(fault.ms);
      return run();
    case 'network-error':
      return Response.error();
    case 'rotate-then-drop':
      await run();
      return Response.error();
    case 'malformed':
      return malformed(fault.kind, endpoint);
  }
}
