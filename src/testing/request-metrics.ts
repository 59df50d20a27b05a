import type { ServerContext } from './context';
import { sha256Hex } from './crypto';
import { readDpopToken } from './dpop/resource-access';
import { readBearer } from './http/request-data';
import type { Route } from './router';

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|application\/[^;]*\+(json|xml))/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Every refresh token this server issues is 32 random bytes, base64url (43 characters). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Any query key or value, or token-shaped path segment, that is a refresh token this server issued. */
async function refreshTokenInUrl(ctx: ServerContext, url: URL): Promise<boolean> {
  const segments = url.pathname.split('/').filter((segment) => TOKEN_SHAPE.test(segment));
  const candidates = [...url.searchParams.keys(), ...url.searchParams.values(), ...segments];
  for (const value of candidates) {
    if (value !== '' && ctx.store.hasHash(await sha256Hex(value))) return true;
  }
  return false;
}

/** requestsPerBody key: the body text, or sha256:<hex> for non-text bodies. */
async function bodyKey(request: Request): Promise<string> {
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  const type = request.headers.get('content-type') ?? '';
  if (bytes.length === 0 || TEXT_TYPES.test(type)) {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      // not text after all
    }
  }
  return `sha256:${await sha256Hex(bytes)}`;
}

async function grantType(request: Request): Promise<string | null> {
  return new URLSearchParams(await request.clone().text()).get('grant_type');
}

/** Counts a call before any fault applies, so attempts are visible even when they fail. */
export async function countRequest(ctx: ServerContext, request: Request, url: URL, route: Route | undefined): Promise<void> {
  const { counters } = ctx;
  if (await refreshTokenInUrl(ctx, url)) counters.increment('refreshTokensSeenInUrl');
  if (!route) return;
  const endpoint = route.endpoint;
  if (endpoint === 'login' || endpoint === 'refresh' || endpoint === 'token') {
    if (/^Bearer\b/i.test(request.headers.get('authorization') ?? '')) counters.increment('bearerOnTokenEndpoint');
  }
  if (endpoint === 'login') counters.increment('loginCalls');
  if (endpoint === 'refresh') counters.increment('refreshCalls');
  if (endpoint === 'token') {
    const grant = await grantType(request);
    if (grant === 'refresh_token') counters.increment('refreshCalls');
    if (grant === 'password') counters.increment('loginCalls');
  }
  if (endpoint === 'resource') {
    counters.increment('resourceRequests');
    const token = readBearer(request) ?? readDpopToken(request);
    const jti = token ? await ctx.access.signedJti(token) : undefined;
    if (jti !== undefined) counters.countToken(jti);
    if (route.echo) counters.countBody(await bodyKey(request));
  }
}
