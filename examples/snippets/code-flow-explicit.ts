// Code flow without discovery, and tokens obtained elsewhere (README: authorization code flow).
import { codeFlow, createAuthClient } from 'tokenflight';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'my-spa',
  // The client's endpoints are the provider's token and revocation endpoints.
  endpoints: { refresh: 'https://idp.example.com/oauth2/token', logout: 'https://idp.example.com/oauth2/revoke' },
});

export const signIn = codeFlow(auth, {
  authorizationEndpoint: 'https://idp.example.com/oauth2/authorize',
  redirectUri: 'https://app.example.com/callback',
  scope: 'read write', // without `openid`: no nonce, no ID token
});

// Tokens from a code flow run by another library, a native SDK or a server-rendered page:
// validated like a refresh answer, persisted, shared with the other tabs.
export async function adopt(tokenResponse: Record<string, unknown>): Promise<void> {
  await auth.setSession(tokenResponse); // { access_token, refresh_token, expires_in, ... } or camelCase
}
