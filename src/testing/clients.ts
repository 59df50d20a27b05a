import type { AuthServerClient } from './types';

/** A registered OAuth client: its id and the exact redirect URIs it may use (RFC 6749 §3.1.2, OAuth 2.1 exact match). */
export interface ResolvedClient {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

/** Where a client given only by its id may send users back to. */
export const DEFAULT_REDIRECT_URI = 'http://app.test/callback';
export const DEFAULT_POST_LOGOUT_URI = 'http://app.test/';

export function resolveClient(client: string | AuthServerClient): ResolvedClient {
  if (typeof client === 'string') return { clientId: client, redirectUris: [DEFAULT_REDIRECT_URI], postLogoutRedirectUris: [DEFAULT_POST_LOGOUT_URI] };
  return {
    clientId: client.clientId,
    redirectUris: [...(client.redirectUris ?? [DEFAULT_REDIRECT_URI])],
    postLogoutRedirectUris: [...(client.postLogoutRedirectUris ?? [DEFAULT_POST_LOGOUT_URI])],
  };
}
