// A background service calling an API with a long-lived service refresh key. It refreshes on its
// own, persists the rotated key, and runs until SIGINT/SIGTERM or `--duration <seconds>`.
//
//   node examples/node-service/service.ts --duration 6 --token-ttl 2 --expect-refreshes 2
//   REFRESH_KEY=... node examples/node-service/service.ts --api https://api.example.com/ --state /var/lib/reports
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuthClient, isTokenflightError } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';
import { fileStorage } from './file-storage.ts';

const AUDIENCE = 'reports-service';
const { values: args } = parseArgs({
  options: {
    api: { type: 'string' }, // omit to run against the reference server on 127.0.0.1
    state: { type: 'string' }, // where the session is kept; default: a temporary directory
    duration: { type: 'string' }, // seconds; default: until SIGINT/SIGTERM
    'token-ttl': { type: 'string', default: '60' }, // reference server only: access token lifetime (s)
    interval: { type: 'string', default: '250' }, // ms between API calls
    'expect-refreshes': { type: 'string', default: '0' }, // exit 1 when fewer refreshes happened
  },
});
const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);

/** The API to call and its refresh key: given, or a reference server started here with a freshly minted key. */
async function backend() {
  if (args.api !== undefined) {
    const refreshKey = process.env['REFRESH_KEY'];
    if (!refreshKey) throw new Error('Set REFRESH_KEY when --api is given.');
    return { baseUrl: args.api, refreshKey, close: async () => undefined };
  }
  const server = createAuthServer({ accessTokenTtl: Number(args['token-ttl']), audience: AUDIENCE });
  const listening = await server.listen();
  const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: AUDIENCE, lifetime: 24 * 3600, deviceInfo: AUDIENCE });
  log(`reference server on ${listening.url}, service key minted for audience "${AUDIENCE}"`);
  return { baseUrl: `${listening.url}/`, refreshKey, close: () => listening.close() };
}

const api = await backend();
const stateDir = args.state ?? (await mkdtemp(join(tmpdir(), 'tokenflight-service-')));
const auth = createAuthClient({
  baseUrl: api.baseUrl,
  refreshKey: api.refreshKey, // used only while the state directory holds no session
  audience: AUDIENCE,
  deviceInfo: AUDIENCE,
  storage: fileStorage(stateDir),
  lock: false, // one process: no cross-process lock or channel
  channel: false,
});

const stats = { refreshes: 0, requests: 0, failed: 0 };
const inSeconds = (at: number | null) => (at === null ? 'unknown' : `${((at - Date.now()) / 1000).toFixed(1)}s`);
auth.on('session:start', ({ source, expiresAt }) => log(`session started (${source}), token expires in ${inSeconds(expiresAt)}`));
auth.on('session:refresh', ({ generation, expiresAt }) => {
  stats.refreshes++;
  log(`token refreshed: generation ${generation}, expires in ${inSeconds(expiresAt)}`);
});
auth.on('session:refresh-failed', ({ code, retryable, nextAttemptAt }) => log(`refresh failed (${code}); ${retryable ? `retry in ${inSeconds(nextAttemptAt ?? null)}` : 'giving up'}`));
auth.on('session:end', ({ reason }) => log(`session ended: ${reason}`));

let stopping = false;
const work = setInterval(() => {
  auth.http
    .get('api/me')
    .json<{ sub: string }>()
    .then(() => void stats.requests++)
    .catch((error: unknown) => {
      stats.failed++;
      if (!stopping) log(`request failed: ${isTokenflightError(error) ? error.code : error instanceof Error ? error.name : 'unknown'}`);
    });
}, Number(args.interval));

async function stop(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(work);
  auth.dispose();
  await api.close();
  if (args.state === undefined) await rm(stateDir, { recursive: true, force: true });
  log(`stopped (${why}): ${JSON.stringify(stats)}`);
  process.exitCode = stats.refreshes >= Number(args['expect-refreshes']) ? 0 : 1;
}

process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
if (args.duration !== undefined) setTimeout(() => void stop(`after ${args.duration}s`), Number(args.duration) * 1000);
await auth.ready;
