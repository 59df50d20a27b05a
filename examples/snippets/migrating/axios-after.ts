// docs/migrating.md: the same app on tokenflight.
import { createAuthClient, isSessionEndedError, webStorage } from 'tokenflight';
import { isHTTPError } from 'ky'; // ky comes with tokenflight; list it in package.json if you import it

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/', // axios' baseURL; only this origin gets the token
  endpoints: { login: 'auth/login', refresh: 'auth/refresh', logout: 'auth/logout' },
  storage: webStorage(localStorage), // replaces the hand-kept accessToken / refreshToken keys
});

export async function loadProfile(): Promise<string | null> {
  try {
    const me = await auth.http.get('api/me').json<{ username: string }>(); // was: (await api.get(...)).data
    return me.username;
  } catch (error) {
    if (isSessionEndedError(error)) return null; // the refresh token is gone: sign in again
    if (isHTTPError(error)) console.warn('API error', error.response.status); // was: AxiosError
    throw error;
  }
}
