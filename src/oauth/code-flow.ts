import type { AuthClient } from '../client';
import { ConfigError, LoginError } from '../errors';
import { EndpointFailureError, oauthErrorCode } from '../endpoint/failure';
import { INTERNALS, type ClientInternals } from '../internals';
import type { SessionSnapshot } from '../session/snapshot';
import { discover, isOpenIdProvider, type ProviderMetadata } from './discovery';
import { readCallback, refused } from './callback';
import { checkParams, maxAgeOf, type AuthorizationParams } from './params';
import { checkIdToken } from './id-token';
import { randomValue, s256, type CryptoLike } from './pkce';
import { defaultTransactionStore, saveTransaction, takeTransaction, type TransactionStore } from './transactions';

export interface CodeFlowOptions {
  /** The provider's issuer identifier: its metadata (RFC 8414 / OpenID Connect Discovery) gives every endpoint. */
  issuer?: string;
  /** Without `issuer`: the authorization endpoint (the token and revocation endpoints are the client's `endpoints`). */
  authorizationEndpoint?: string;
  /** Without `issuer`: the end-session endpoint, for RP-initiated logout. */
  endSessionEndpoint?: string;
  /** Where the provider sends the browser back to, exactly as registered. */
  redirectUri: string;
  /** Scope of the authorization request; with `openid` (which needs `issuer`), a nonce is sent and an ID token is required. @default the client's `scope`, else `'openid'` for an OpenID provider and none for a plain OAuth 2.0 server */
  scope?: string;
  /** Parameters added to every authorization request (e.g. `audience`, `resource`). @default {} */
  params?: AuthorizationParams;
  /** Where the verifier, state and nonce wait for the round trip. @default sessionStorage in a browser, memory elsewhere */
  store?: TransactionStore;
  /** How the browser is sent to a URL. @default location.assign */
  navigate?: (url: string) => void;
  /** CSPRNG and SHA-256. @default globalThis.crypto */
  crypto?: CryptoLike;
  /** How long an authorization request waits for its callback (ms). @default 600000 */
  maxAge?: number;
  /** Clock difference accepted on ID token times (ms). @default 300000 */
  clockTolerance?: number;
}

export interface EndSessionOptions {
  /** Where the provider sends the browser after signing out (registered exactly). */
  postLogoutRedirectUri?: string;
  /** Returned to `postLogoutRedirectUri` unchanged. */
  state?: string;
}

export interface CodeFlow {
  /** Builds an authorization request and keeps its verifier, state and nonce for the callback (React Native: open this URL). */
  authorizationUrl(params?: AuthorizationParams): Promise<string>;
  /** Browser: sends the page to the provider (a full-page redirect: no popup, no iframe, no third-party cookie). */
  redirect(params?: AuthorizationParams): Promise<void>;
  /** Whether `url` (default: the page's address) is an authorization response for this flow's redirect URI. */
  isCallback(url?: string): boolean;
  /** Finishes the flow from the callback URL (default: the page's address, whose query is then removed): checks, exchanges the code, starts the session. */
  complete(url?: string): Promise<SessionSnapshot>;
  /** The RP-initiated logout URL (OpenID RP-Initiated Logout 1.0), or `null` when the provider has no end-session endpoint. */
  endSessionUrl(options?: EndSessionOptions): Promise<string | null>;
  /** Local logout and revocation (as `auth.logout()`), then the browser goes to the end-session endpoint. */
  logout(options?: EndSessionOptions): Promise<{ revocation: Promise<boolean>; endSessionUrl: string | null }>;
}

export type { AuthorizationParams } from './params';

/** Where the client's own endpoint URLs are kept once a flow has replaced them. */
const CONFIGURED = Symbol.for('tokenflight.code-flow.configured-urls');

/** Provider errors that may go away when tried again. */
const TEMPORARY = ['temporarily_unavailable', 'server_error'];

const browser = () => globalThis as { location?: { href: string; assign(url: string): void }; history?: { state: unknown; replaceState(data: unknown, unused: string, url: string): void } };
/** Same scheme, host, port and path (an app scheme's origin is always "null": the scheme itself must match). */
const sameEndpoint = (a: URL, b: URL) => a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;

function internalsOf(auth: AuthClient): ClientInternals {
  const internals = (auth as unknown as Record<symbol, ClientInternals | undefined>)[INTERNALS];
  if (internals === undefined) throw new ConfigError('codeFlow() needs a client made by createAuthClient.');
  if (internals.options.protocol !== 'oauth' || internals.options.clientId === undefined) throw new ConfigError("codeFlow() needs `protocol: 'oauth'` and a `clientId`.");
  return internals;
}

/**
 * The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256, OAuth 2.1) for `auth`, with
 * discovery, OpenID ID tokens and RP-initiated logout. Imported on its own: a client that never calls
 * it carries none of it.
 */
export function codeFlow(auth: AuthClient, options: CodeFlowOptions): CodeFlow {
  const internals = internalsOf(auth);
  const { endpoint, coordinator } = internals;
  const { clock } = internals.options;
  const clientId = internals.options.clientId ?? '';
  const found = options.crypto ?? (globalThis.crypto as CryptoLike | undefined);
  if (found === undefined) throw new ConfigError('codeFlow() needs WebCrypto (globalThis.crypto or the `crypto` option).');
  const crypto: CryptoLike = found;
  if (options.issuer === undefined && options.authorizationEndpoint === undefined) throw new ConfigError('codeFlow() needs an `issuer` or an `authorizationEndpoint`.');
  // Sent exactly as given: providers compare redirect URIs as strings (RFC 6749 §3.1.2, OAuth 2.1), so no
  // normalisation (`new URL(...).href` would add a trailing slash to an origin).
  const redirectUri = options.redirectUri;
  try {
    new URL(redirectUri);
  } catch {
    throw new ConfigError('`redirectUri` must be an absolute URL.');
  }
  // By default `openid` only for an OpenID provider: without an issuer there is nothing to check an ID token
  // against, and a plain OAuth 2.0 server (RFC 8414) would answer without one.
  const scope = options.scope ?? internals.options.scope;
  const store = options.store ?? defaultTransactionStore();
  const maxAge = options.maxAge ?? 600_000;
  const tolerance = options.clockTolerance ?? 300_000;
  const issuer = options.issuer;

  // Fetched once per flow (a failure is retried on the next use); refreshes and revocations use its endpoints.
  let cached: Promise<ProviderMetadata> | null = null;
  const metadata = (): Promise<ProviderMetadata> => {
    if (issuer === undefined) return Promise.reject(new ConfigError('No issuer to discover.'));
    return (cached ??= discover(issuer, internals).catch((error: unknown) => {
      cached = null;
      throw error;
    }));
  };
  // From now on every refresh, revocation (and password login, if configured) goes to the discovered endpoints.
  // Wrapped over the client's own URLs, never over an earlier flow's: a flow made again (on every render of a
  // component) replaces the last one instead of stacking one more discovery per call.
  const holder = endpoint as typeof endpoint & { [CONFIGURED]?: typeof endpoint.urls };
  const configured = (holder[CONFIGURED] ??= endpoint.urls);
  if (issuer === undefined) endpoint.urls = configured;
  else {
    endpoint.urls = async () => {
      const { login } = await configured();
      try {
        const found = await metadata();
        return { token: found.token_endpoint, login: login === null ? null : found.token_endpoint, revoke: found.revocation_endpoint ?? null };
      } catch {
        // Discovery failed: a transient failure of the call (retried like a network error), never its cause.
        throw new EndpointFailureError({ kind: 'transient', code: 'network', noResponse: false });
      }
    };
  }

  async function authorizationUrl(params: AuthorizationParams = {}): Promise<string> {
    const all: AuthorizationParams = { ...options.params, ...params };
    checkParams(all);
    const provider = issuer === undefined ? null : await metadata();
    const authorizeAt = provider === null ? (options.authorizationEndpoint ?? '') : provider.authorization_endpoint;
    const requestScope = typeof all.scope === 'string' ? all.scope : (scope ?? (provider !== null && isOpenIdProvider(provider) ? 'openid' : undefined));
    const openid = requestScope?.split(' ').includes('openid') === true;
    // Checked before the redirect: an ID token that cannot be checked would be found out only after the code was spent.
    if (openid && issuer === undefined) throw new ConfigError('OpenID sign-in (scope `openid`) needs the `issuer` to check the ID token.');
    const authMaxAge = openid ? maxAgeOf(all.max_age) : null;
    const state = randomValue(crypto);
    const verifier = randomValue(crypto);
    const nonce = openid ? randomValue(crypto) : null;
    const url = new URL(authorizeAt);
    const query = url.searchParams;
    query.set('response_type', 'code');
    query.set('client_id', clientId);
    query.set('redirect_uri', redirectUri);
    if (requestScope !== undefined) query.set('scope', requestScope);
    query.set('state', state);
    query.set('code_challenge', await s256(verifier, crypto));
    query.set('code_challenge_method', 'S256');
    if (nonce !== null) query.set('nonce', nonce);
    for (const [name, value] of Object.entries(all)) {
      if (name === 'scope' || value === undefined) continue;
      // RFC 8707 §2: `resource` may be repeated.
      for (const one of typeof value === 'object' ? value : [value]) query.append(name, String(one));
    }
    await saveTransaction(store, state, { verifier, nonce, redirectUri, expiresAt: clock.now() + maxAge, authMaxAge });
    return url.href;
  }

  function isCallback(url = browser().location?.href ?? ''): boolean {
    try {
      const parsed = new URL(url);
      return sameEndpoint(parsed, new URL(redirectUri)) && parsed.searchParams.has('state') && (parsed.searchParams.has('code') || parsed.searchParams.has('error'));
    } catch {
      return false;
    }
  }

  /** The callback's query leaves the address bar at once: the code is never left in the URL or the history. */
  function clearAddressBar(url: URL): string | null {
    const { location, history } = browser();
    if (location === undefined || history === undefined || !sameEndpoint(new URL(location.href), url) || new URL(location.href).search === '') return null;
    history.replaceState(history.state, '', `${url.pathname}${new URL(location.href).hash}`);
    return location.href;
  }

  /** The callback being handled: the same callback again meanwhile (React StrictMode's double effect) gets the same result, never a second exchange. */
  let last: { readonly keys: readonly string[]; readonly result: Promise<SessionSnapshot> } | null = null;

  function complete(url?: string): Promise<SessionSnapshot> {
    const href = url ?? browser().location?.href;
    if (href === undefined) return Promise.reject(new ConfigError('complete() needs the callback URL outside a browser.'));
    if (last !== null && last.keys.includes(href)) return last.result;
    const callback = new URL(href);
    const cleared = url === undefined || url === browser().location?.href ? clearAddressBar(callback) : null;
    const result = finish(callback);
    // The address bar no longer shows the callback: a second call reading it meanwhile finds this one's result.
    const pending = (last = { keys: cleared === null ? [href] : [href, cleared], result });
    const settled = () => void (last === pending ? (last = null) : undefined);
    result.then(settled, settled);
    return result;
  }

  async function finish(callback: URL): Promise<SessionSnapshot> {
    const { state, code, error, iss } = readCallback(callback.searchParams);
    // Read before the state is spent: a provider that cannot be reached now leaves the callback usable once it can.
    const advertised = issuer === undefined ? false : (await metadata()).authorization_response_iss_parameter_supported === true;
    // The state is looked up, then removed: single use. Unknown here = another tab's request, a reload that lost it, or forged.
    const transaction = state === null ? null : await takeTransaction(store, state, clock.now());
    if (transaction === null) throw refused('unknown or reused state', 'invalid_state');
    if (!sameEndpoint(callback, new URL(transaction.redirectUri))) throw refused('redirect URI', 'invalid_state');
    // RFC 9207 §2.4: the issuer that answered must be the one asked (mix-up defence), on errors too.
    if ((iss !== null && issuer !== undefined && iss !== issuer) || (iss === null && advertised)) throw refused('issuer', 'iss_mismatch');
    // RFC 6749 §4.1.2.1: an error answer; a code beside it is never exchanged, its description never repeated.
    if (error !== null) {
      const reason = oauthErrorCode({ error }) ?? 'invalid_request';
      throw new LoginError(`The provider did not sign the user in (${reason}).`, { reason, retryable: TEMPORARY.includes(reason) });
    }
    if (code === null || code === '') throw refused('no code', 'invalid_request');
    return coordinator.start(async () => {
      const result = await endpoint.postForm((await endpoint.urls()).token, { grant_type: 'authorization_code', code, redirect_uri: transaction.redirectUri, code_verifier: transaction.verifier }, code);
      if (transaction.nonce === null) return result;
      const body = result.body as Record<string, unknown> | null;
      try {
        if (issuer === undefined) throw new ConfigError('OpenID sign-in needs the `issuer` to check the ID token.');
        const now = result.receivedAt + result.serverOffset;
        const idToken = checkIdToken(body?.['id_token'], { issuer, clientId, nonce: transaction.nonce, now, tolerance, maxAge: transaction.authMaxAge ?? null });
        return { ...result, idToken };
      } catch (error) {
        // Tokens that came with a refused ID token are never kept: their refresh token is revoked (best effort).
        const minted = body?.['refresh_token'] ?? body?.['refreshToken'];
        void endpoint.revoke(typeof minted === 'string' ? minted : null);
        throw error;
      }
    });
  }

  async function endSessionUrl(end: EndSessionOptions = {}): Promise<string | null> {
    const endAt = issuer === undefined ? options.endSessionEndpoint : (await metadata()).end_session_endpoint;
    if (endAt === undefined) return null;
    const url = new URL(endAt);
    const hint = coordinator.tokens?.idToken ?? null;
    if (hint !== null) url.searchParams.set('id_token_hint', hint);
    url.searchParams.set('client_id', clientId);
    if (end.postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', end.postLogoutRedirectUri);
    if (end.state !== undefined) url.searchParams.set('state', end.state);
    return url.href;
  }

  const navigate = (url: string) => {
    if (options.navigate !== undefined) return options.navigate(url);
    const { location } = browser();
    if (location === undefined) throw new ConfigError('No browser to navigate: pass `navigate`, or open authorizationUrl() yourself.');
    location.assign(url);
  };

  return {
    authorizationUrl,
    redirect: async (params) => navigate(await authorizationUrl(params)),
    isCallback,
    complete,
    endSessionUrl,
    async logout(end) {
      // Built first: the ID token hint goes with the session.
      const url = await endSessionUrl(end).catch(() => null);
      const { revocation } = await auth.logout();
      await revocation;
      if (url !== null && (options.navigate !== undefined || browser().location !== undefined)) navigate(url);
      return { revocation, endSessionUrl: url };
    },
  };
}
