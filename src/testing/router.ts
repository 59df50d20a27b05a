import * as authRoutes from './routes/auth-routes';
import * as authorization from './routes/authorize-routes';
import * as control from './routes/control-routes';
import * as discovery from './routes/discovery-routes';
import * as keyRoutes from './routes/key-routes';
import * as oauth from './routes/oauth-routes';
import * as resource from './routes/resource-routes';
import type { RouteHandler, RouteParams } from './routes/route-types';
import type { FaultEndpoint } from './types';

export type RouteEndpoint = FaultEndpoint | 'control';

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly endpoint: RouteEndpoint;
  readonly handler: RouteHandler;
  /** Set on /api/echo: its body is counted. */
  readonly echo?: true;
}

const SEGMENT = '([^/]+)';

function route(method: string, path: string, endpoint: RouteEndpoint, handler: RouteHandler, echo?: true): Route {
  const pattern = new RegExp(`^${path.replace(/:[a-z]+/g, SEGMENT)}/?$`);
  const params = [...path.matchAll(/:([a-z]+)/g)].map((found) => found[1] ?? '');
  const base = { method, pattern, params, endpoint, handler };
  return echo ? { ...base, echo } : base;
}

const ROUTES: readonly Route[] = [
  route('POST', '/auth/login', 'login', authRoutes.login),
  route('POST', '/auth/refresh', 'refresh', authRoutes.refresh),
  route('POST', '/auth/logout', 'logout', authRoutes.logout),
  route('GET', '/auth/keys', 'keys', keyRoutes.listKeys),
  route('POST', '/auth/keys', 'keys', keyRoutes.createKey),
  route('DELETE', '/auth/keys/:jti', 'keys', keyRoutes.deleteKey),
  route('POST', '/oauth/token', 'token', oauth.token),
  route('POST', '/oauth/revoke', 'revoke', oauth.revoke),
  route('GET', '/oauth/authorize', 'authorize', authorization.authorize),
  route('GET', '/oauth/logout', 'logout', authorization.endSession),
  route('GET', '/.well-known/openid-configuration', 'control', discovery.metadata),
  route('GET', '/.well-known/oauth-authorization-server', 'control', discovery.metadata),
  route('GET', '/api/me', 'resource', resource.me),
  route('GET', '/api/items/:id', 'resource', resource.item),
  route('POST', '/api/echo', 'resource', resource.echo, true),
  route('GET', '/api/admin', 'resource', resource.admin),
  route('GET', '/__tokenflight/counters', 'control', control.counters),
  route('POST', '/__tokenflight/reset', 'control', control.reset),
  route('POST', '/__tokenflight/expire', 'control', control.expire),
  route('POST', '/__tokenflight/faults', 'control', control.addFault),
  route('DELETE', '/__tokenflight/faults', 'control', control.clearFaults),
  route('POST', '/__tokenflight/clock', 'control', control.clock),
];

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route; readonly params: RouteParams }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Matches by method and pathname only, so any origin (MSW or loopback) routes the same. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const candidate of ROUTES) {
    const found = candidate.pattern.exec(pathname);
    if (!found) continue;
    if (candidate.method !== method.toUpperCase()) {
      allowed.push(candidate.method);
      continue;
    }
    const params: Record<string, string> = {};
    candidate.params.forEach((name, index) => {
      params[name] = decode(found[index + 1] ?? '');
    });
    return { kind: 'route', route: candidate, params };
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
}

