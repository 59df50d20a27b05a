// README: Recipes, Browser.
import { createAuthClient, isSessionEndedError, webStorage } from 'tokenflight';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  storage: webStorage(localStorage), // shared by the tabs of this origin; they share one refresh too
});

auth.on('session:end', ({ reason }) => {
  if (reason !== 'logout') window.location.assign('/login');
});

export async function showProfile(): Promise<void> {
  await auth.ready; // the stored session, if any, has been read
  if (auth.session.status !== 'authenticated') await auth.login({ username: 'ada', password: 'lovelace' });
  try {
    const me = await auth.http.get('api/me').json<{ username: string }>();
    document.title = me.username;
  } catch (error) {
    if (!isSessionEndedError(error)) throw error; // the session ended: session:end has fired
  }
}
