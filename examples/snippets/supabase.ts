// README: a Supabase-style auth server (GoTrue), run by test/dialects/supabase.test.ts.
import { createAuthClient, type AuthClient } from 'tokenflight';

export function createSupabaseAuth(projectUrl: string, anonKey: string): AuthClient {
  return createAuthClient({
    baseUrl: `${projectUrl}/rest/v1/`,
    trustedOrigins: [projectUrl],
    endpoints: { login: `${projectUrl}/auth/v1/token?grant_type=password`, logout: false },
    endpointHeaders: { apikey: anonKey }, // sent to the auth endpoints
    http: { headers: { apikey: anonKey } }, // and to the API
    // GoTrue takes `refresh_token` in a JSON body; returning the Response lets tokenflight classify it
    // (`{ error_code: 'refresh_token_already_used' }` on a 400 ends the session with that reason).
    refresh: ({ refreshToken, signal }) =>
      fetch(`${projectUrl}/auth/v1/token?grant_type=refresh_token`, {
        method: 'POST',
        headers: { apikey: anonKey, 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
        signal,
      }),
  });
}
