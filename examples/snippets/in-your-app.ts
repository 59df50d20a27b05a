// README quick start, "In your app": a browser app talking to its own API.
import { createAuthClient, webStorage } from 'tokenflight';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',           // your API: auth.http resolves against it; its origin is trusted
  trustedOrigins: ['https://files.example.com'], // other origins that may receive the access token
  endpoints: { login: 'auth/login', refresh: 'auth/refresh', logout: 'auth/logout' }, // your routes (these are the defaults)
  storage: webStorage(localStorage),             // browsers only; the default, memory, works everywhere
});

export async function signIn(username: string, password: string): Promise<void> {
  await auth.login({ username, password }); // rejects with a LoginError
}

export async function loadProfile(): Promise<{ username: string }> {
  return auth.http.get('api/me').json<{ username: string }>(); // Bearer attached, refreshed and replayed as needed
}

export async function signOut(): Promise<void> {
  await auth.logout(); // final at once, in every tab; revokes at the server in the background
}
