// storm: N concurrent GETs on an expired access token, once with a token the client can see is
// expired (`visible`) and once with a token only the server expired early (`server`).
import { AUTH_CLIENTS } from '../clients/index.mjs';
import { measure, round, runAll, sleep } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

/** Longer than the server's keep-alive timeout (Node's default, 5 s). */
const DRAIN_MS = 5_500;
let lastN = 0;

/**
 * After a storm of thousands of requests, waits until the server has closed those idle keep-alive
 * connections, so that no client's storm starts on sockets being closed under it (a connection
 * error there is the transport's, not the refresh logic's).
 */
export async function drain() {
  if (lastN >= 5_000) await sleep(DRAIN_MS);
  lastN = 0;
}

async function storm(server, entry, client, n, mode) {
  await drain();
  lastN = n;
  await server.reset();
  if (mode === 'server') await server.expire();
  const seesExpiry = client.seesExpiry?.() ?? null;
  const { value: run, wallMs } = await measure(() => runAll(n, () => client.get('api/me')));
  const counters = await server.counters();
  client.dispose();
  return {
    scenario: 'storm',
    mode,
    client: entry.name,
    n,
    refreshCalls: counters.refreshCalls,
    unauthorized: counters.unauthorized,
    failures: run.failures,
    reuseDetections: counters.reuseDetections,
    resourceRequests: counters.resourceRequests,
    wallMs: round(wallMs),
    ...(seesExpiry === null ? {} : { clientSawExpiry: seesExpiry }),
    errors: run.errors,
  };
}

const skipped = (entry, n, mode) => ({ scenario: 'storm', mode, client: entry.name, n, skipped: true });
const runs = (entry, n) => n <= (entry.maxStormN ?? Number.POSITIVE_INFINITY);

/** Server-expired storms: a fresh session per run, then POST /__tokenflight/expire. */
export async function serverExpiredStorms(server, sizes, log) {
  const rows = [];
  for (const n of sizes) {
    for (const entry of AUTH_CLIENTS) {
      if (!runs(entry, n)) {
        rows.push(skipped(entry, n, 'server'));
        continue;
      }
      const client = await freshSession(server, entry);
      rows.push(await storm(server, entry, client, n, 'server'));
      log(rows.at(-1));
    }
  }
  return rows;
}

/** Visibly expired storms, on sessions prepared with prepareExpiringSessions (slot `storm-<n>`). */
export async function visibleStorms(server, sessions, sizes, log) {
  await sessions.expired();
  const rows = [];
  for (const n of sizes) {
    for (const entry of AUTH_CLIENTS) {
      if (!runs(entry, n)) {
        rows.push(skipped(entry, n, 'visible'));
        continue;
      }
      rows.push(await storm(server, entry, sessions.take(`storm-${n}`, entry), n, 'visible'));
      log(rows.at(-1));
    }
  }
  return rows;
}
