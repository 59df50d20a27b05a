import { ConfigError, LoginError } from '../errors';
import type { ClientInternals } from '../internals';

/** The fields of RFC 8414 §2 / OpenID Connect Discovery §3 metadata a code flow uses. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly code_challenge_methods_supported?: readonly string[];
  readonly authorization_response_iss_parameter_supported?: boolean;
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly id_token_signing_alg_values_supported?: readonly string[];
}

/** An OpenID provider (OIDC Discovery §3: `id_token_signing_alg_values_supported` is REQUIRED), not a plain OAuth 2.0 server. */
export const isOpenIdProvider = (metadata: ProviderMetadata): boolean =>
  Array.isArray(metadata.id_token_signing_alg_values_supported) || (Array.isArray(metadata.scopes_supported) && metadata.scopes_supported.includes('openid'));

const isUrl = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/** Where the metadata of `issuer` lives: OpenID Connect Discovery §4 first, then RFC 8414 §3.1 (well-known segment before the path). */
function locations(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
}

async function get(url: string, internals: ClientInternals): Promise<Response> {
  const controller = new AbortController();
  const timer = internals.options.clock.setTimeout(() => controller.abort(), internals.options.timeout);
  try {
    const response = await internals.options.fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: controller.signal });
    // The body too is read under the timeout.
    return new Response(await response.text(), { status: response.status });
  } finally {
    internals.options.clock.clearTimeout(timer);
  }
}

/**
 * Reads and checks a provider's metadata: `issuer` must equal the configured one exactly (RFC 8414 §3.3,
 * OIDC Discovery §4.3: the mix-up defence), the endpoints must be URLs, and S256 must be offered when the
 * provider lists its PKCE methods. A provider that cannot be reached gives a retryable `LoginError`.
 */
export async function discover(issuer: string, internals: ClientInternals): Promise<ProviderMetadata> {
  let body: unknown;
  for (const location of locations(issuer)) {
    let response: Response;
    try {
      response = await get(location, internals);
    } catch {
      throw new LoginError('Could not read the provider metadata; try again.', { retryable: true });
    }
    // Not served here (404, or the 400/401/403/405 a plain OAuth server or a gateway answers for a path it does
    // not know): try the next location. 408 and 429 are about the moment, not the place.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) continue;
    if (!response.ok) throw new LoginError('Could not read the provider metadata; try again.', { retryable: true, status: response.status });
    try {
      body = JSON.parse(await response.text()) as unknown;
    } catch {
      throw new LoginError('The provider metadata is not JSON; try again.', { retryable: true });
    }
    break;
  }
  if (typeof body !== 'object' || body === null) throw new ConfigError(`No OAuth / OpenID metadata found for the issuer ${issuer}.`);
  const metadata = body as Record<string, unknown>;
  if (metadata['issuer'] !== issuer) throw new ConfigError(`The provider metadata names another issuer than ${issuer}: refusing it (RFC 8414 §3.3).`);
  if (!isUrl(metadata['authorization_endpoint']) || !isUrl(metadata['token_endpoint'])) throw new ConfigError('The provider metadata lacks a valid authorization or token endpoint.');
  const methods = metadata['code_challenge_methods_supported'];
  if (Array.isArray(methods) && !methods.includes('S256')) throw new ConfigError('The provider does not offer PKCE with S256 (code_challenge_methods_supported).');
  for (const optional of ['revocation_endpoint', 'end_session_endpoint']) {
    if (metadata[optional] !== undefined && !isUrl(metadata[optional])) throw new ConfigError(`The provider metadata has an invalid ${optional}.`);
  }
  return metadata as unknown as ProviderMetadata;
}
