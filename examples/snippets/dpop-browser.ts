// DPoP in a browser (README: DPoP).
import { createAuthClient, dpop, webStorage } from 'tokenflight';

const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'spa',
  storage: webStorage(localStorage),
  // One non-extractable ES256 key per client id and storage key, kept in IndexedDB and shared by the tabs.
  dpop: dpop({ rotateOnLogout: true }),
});

await auth.login({ username: 'ada', password: 'lovelace' });
// Sent as `Authorization: DPoP <token>` with a fresh proof (`ath`, `jti`, `iat`, nonce when known).
const me = await auth.http.get('me').json<{ name: string }>();
console.log(me.name);

auth.on('session:end', ({ reason }) => {
  // The key the stored session was bound to is gone (site data cleared, session copied to another device).
  if (reason === 'dpop-key-lost') console.info('please sign in again');
});
