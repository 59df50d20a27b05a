// README quick start.
import { createAuthClient, webStorage } from 'tokenflight';

const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',           // auth.http resolves against it; its origin is trusted
  trustedOrigins: ['https://files.example.com'], // other origins that may receive the access token
  endpoints: { login: 'auth/login', refresh: 'auth/refresh', logout: 'auth/logout' },
  storage: webStorage(localStorage),             // default: memory
});

const off = auth.on('session:refresh', ({ expiresAt }) => console.log('fresh until', expiresAt));
await auth.login({ username: 'ada', password: 'lovelace' });
const me = await auth.http.get('me').json<{ name: string }>(); // Bearer attached, refreshed and replayed as needed
console.log(me.name, auth.session.status, auth.session.expiresAt);
await auth.logout();                             // final at once, in every tab; revokes at the server in the background
off();
