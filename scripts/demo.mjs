// `npm run demo`: a scripted session against the reference auth server over loopback HTTP, printed as a
// timeline of client events, with what the server saw during each step (counts per step, not totals).
import { createAuthClient, memoryStorage } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';

const TTL = 4; // seconds an access token lives
const started = Date.now();
const stamp = () => `+${String(Date.now() - started).padStart(5)} ms`;
const say = (text) => console.log(`${stamp()}  ${text}`);
const note = (text) => console.log(`${' '.repeat(11)}${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = createAuthServer({ accessTokenTtl: TTL, rotation: 'strict' });
const { url, close } = await server.listen();
say(`reference auth server listening on ${url} (${TTL} s access tokens, strict rotation: a reused refresh token revokes its family)`);

const storage = memoryStorage();
const auth = createAuthClient({ baseUrl: `${url}/`, storage, lock: false, channel: false });
auth.on('session:start', (e) => say(`  event session:start          source=${e.source} generation=${e.generation}`));
auth.on('session:refresh', (e) => say(`  event session:refresh        generation=${e.generation}, valid for ${Math.round((e.expiresAt - Date.now()) / 1000)} s`));
auth.on('session:refresh-failed', (e) => say(`  event session:refresh-failed ${e.code} retryable=${e.retryable}`));
auth.on('session:end', (e) => say(`  event session:end            reason=${e.reason}`));

const COUNTED = [
  ['loginCalls', 'logins'],
  ['refreshCalls', 'refreshes'],
  ['resourceRequests', 'API requests'],
  ['unauthorized', '401s'],
  ['reuseDetections', 'reuse detections'],
  ['revocations', 'revocations asked for (logout, revoke)'],
];
/** Runs one step and prints what the server saw during it. */
async function step(title, run) {
  console.log('');
  say(title);
  const before = server.counters;
  await run();
  const after = server.counters;
  const seen = COUNTED.map(([key, label]) => `${label} ${after[key] - before[key]}`).join(', ');
  note(`server saw in this step: ${seen}`);
}

try {
  let stolen = '';
  await step('1. login as ada, then GET /api/me', async () => {
    await auth.login({ username: 'ada', password: 'lovelace' });
    const me = await auth.http.get('api/me').json();
    say(`GET /api/me -> ${me.username}`);
    // What an attacker could copy from storage now, before the next rotation.
    stolen = JSON.parse(await storage.getItem('tokenflight.session')).refreshToken;
  });

  await step(`2. idle for ${TTL - 1} s, no request: the client refreshes in the background before expiry`, async () => {
    await sleep((TTL - 1) * 1000);
    await auth.http.get('api/items/1').json();
    say('GET /api/items/1 -> 200 with the token renewed in the background: no 401, no waiting');
  });

  await step('3. the server expires every access token early (as after a revocation or a key change), then 50 concurrent POSTs', async () => {
    server.expireAccessTokens();
    note('the client cannot see this: its token still looks valid, so the 50 requests go out with it and');
    note('each gets a 401. The 401s share ONE refresh, and each request is replayed once with its body.');
    const burst = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => auth.http.post('api/echo', { json: { i } }).json()));
    say(`50 concurrent POSTs: ${burst.filter((r) => r.status === 'fulfilled').length} succeeded (API requests below count each replay too)`);
  });

  await step('4. an attacker replays the refresh token copied in step 1 (rotated away since)', async () => {
    const attack = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: stolen }),
    });
    say(`attacker got HTTP ${attack.status}: reuse detected, the server revokes the whole token family itself`);
  });

  await step("5. the user's next request, once its access token is rejected", async () => {
    server.expireAccessTokens();
    await auth.http.get('api/me').catch((error) => say(`GET /api/me -> ${error.name} (${error.code}): the revoked family cannot refresh`));
  });

  await step('6. login again, then logout', async () => {
    await auth.login({ username: 'ada', password: 'lovelace' });
    const { revocation } = await auth.logout();
    say(`logged out locally at once; server revocation ${(await revocation) ? 'confirmed' : 'will be retried'}`);
  });
} finally {
  auth.dispose();
  await close();
}
