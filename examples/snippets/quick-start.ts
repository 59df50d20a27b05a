// README quick start: runs as is against the reference auth server (`npm run example:quick-start`).
import { createAuthClient } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';

// The reference auth server on 127.0.0.1 (user ada / lovelace). In your app, this is your API.
const server = createAuthServer();
const { url, close } = await server.listen(); // e.g. http://127.0.0.1:54321

const auth = createAuthClient({ baseUrl: `${url}/` }); // auth.http resolves against it; its origin is trusted
auth.on('session:refresh', ({ generation }) => console.log('new tokens, generation', generation)); // typed events

await auth.login({ username: 'ada', password: 'lovelace' });
const me = await auth.http.get('api/me').json<{ sub: string; username: string; scope: string }>(); // Bearer attached
console.log(me.username, auth.session.status); // ada authenticated

server.expireAccessTokens(); // the server now rejects the token: the next request gets a 401...
const again = await auth.http.get('api/me').json<{ username: string }>(); // ...refreshes once and is replayed
console.log(again.username, server.counters.refreshCalls); // ada 1

const { revocation } = await auth.logout(); // final at once; revokes the refresh token at the server
console.log('revoked:', await revocation, auth.session.status); // revoked: true unauthenticated
auth.dispose();
await close();
