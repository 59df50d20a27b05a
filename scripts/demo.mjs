// `npm run demo`: a scripted session against the reference auth server over loopback HTTP,
// printed as a timeline of client events and server counters.
import { createAuthClient, memoryStorage } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';

const started = Date.now();
const stamp = () => `+${String(Date.now() - started).padStart(5)} ms`;
const say = (text) => console.log(`${stamp()}  ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = createAuthServer({ accessTokenTtl: 3, rotation: 'strict' });
const { url, close } = await server.listen();
say(`reference auth server listening on ${url} (3 s access tokens, strict rotation)`);

const storage = memoryStorage();
const auth = createAuthClient({ baseUrl: `${url}/`, storage, lock: false, channel: false, autoRefresh: false });
auth.on('session:start', (e) => say(`event session:start       source=${e.source} generation=${e.generation}`));
auth.on('session:refresh', (e) => say(`event session:refresh     generation=${e.generation} expires in ${Math.round((e.expiresAt - Date.now()) / 1000)} s`));
auth.on('session:refresh-failed', (e) => say(`event session:refresh-failed retryable=${e.retryable} attempt=${e.attempt}`));
auth.on('session:end', (e) => say(`event session:end         reason=${e.reason}`));
const counters = () => {
  const c = server.counters;
  return `refreshCalls=${c.refreshCalls} 401s=${c.unauthorized} reuseDetections=${c.reuseDetections} revocations=${c.revocations}`;
};

try {
  say('login as ada');
  await auth.login({ username: 'ada', password: 'lovelace' });
  const me = await auth.http.get('api/me').json();
  say(`GET /api/me -> ${me.username}  [${counters()}]`);

  // What an attacker could have copied from storage before the next rotation.
  const stolen = JSON.parse(await storage.getItem('tokenflight.session')).refreshToken;

  say('waiting 3.5 s: the access token expires');
  await sleep(3500);
  await auth.http.get('api/items/1').json();
  say(`GET /api/items/1 after expiry: refreshed first, no 401  [${counters()}]`);

  say('the server expires every access token early; 50 concurrent requests follow');
  server.expireAccessTokens();
  const burst = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => auth.http.post('api/echo', { json: { i } }).json()));
  const ok = burst.filter((r) => r.status === 'fulfilled').length;
  say(`50 concurrent POSTs: ${ok} succeeded, bodies replayed once  [${counters()}]`);

  say('an attacker replays the refresh token rotated away earlier');
  const attack = await fetch(`${url}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: stolen }),
  });
  say(`attacker got HTTP ${attack.status}: reuse detected, the whole family is revoked  [${counters()}]`);

  server.expireAccessTokens();
  await auth.http.get('api/me').catch((error) => say(`next request -> ${error.name} (${error.code})`));

  say('login again, then logout');
  await auth.login({ username: 'ada', password: 'lovelace' });
  const { revocation } = await auth.logout();
  say(`logged out locally; server revocation ${(await revocation) ? 'done' : 'will retry'}  [${counters()}]`);
} finally {
  auth.dispose();
  await close();
}
