import { json } from '../http/responses';
import { issuerOf } from './authorize-routes';
import type { RouteHandler } from './route-types';

/** RFC 8414 §2 / OpenID Connect Discovery 1.0 §3 metadata, served at both well-known paths. */
export const metadata: RouteHandler = async (ctx, request) => {
  const issuer = issuerOf(request);
  return json(200, {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'read', 'write'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256'],
    claims_supported: ['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'auth_time', 'nonce', 'sid'],
    authorization_response_iss_parameter_supported: true,
    // RFC 9449 §5.1: the JWS algorithms accepted in DPoP proofs.
    dpop_signing_alg_values_supported: [...ctx.dpop.options.algs],
  });
};
