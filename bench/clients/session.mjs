// What every comparator shares: the server's default user and a plain JSON login.
// (tokenflight logs in through its own `auth.login`.)
export const CREDENTIALS = { username: 'ada', password: 'lovelace' };

/** POST /auth/login with fetch: { accessToken, refreshToken, expiresIn }. */
export async function loginPair(url) {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CREDENTIALS),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`login failed: HTTP ${response.status}`);
  return response.json();
}
