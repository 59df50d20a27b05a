import { createHash, randomBytes } from 'node:crypto';

export const REDIRECT = 'http://app.test/callback';

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Follows nothing: the authorization endpoint's answer, and the query of its Location when it redirects. */
export async function authorizeAt(base: string, fields: Record<string, string>): Promise<{ response: Response; query: URLSearchParams | null; location: string | null }> {
  const url = new URL('/oauth/authorize', base);
  for (const [key, value] of Object.entries(fields)) url.searchParams.append(key, value);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { response, location, query: location === null ? null : new URL(location).searchParams };
}

export const request = (challenge: string, extra: Record<string, string> = {}): Record<string, string> => ({
  response_type: 'code',
  client_id: 'tokenflight',
  redirect_uri: REDIRECT,
  scope: 'openid read',
  state: 'st-1',
  nonce: 'n-1',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

export async function exchange(base: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/oauth/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'tokenflight', redirect_uri: REDIRECT, ...fields }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
