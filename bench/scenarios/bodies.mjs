// bodies: concurrent POSTs to /api/echo with distinct JSON bodies across an expiry. Checks the
// echo of each and how many times the server received each body (counter requestsPerBody).
import { AUTH_CLIENTS } from '../clients/index.mjs';
import { measure, round, runAll } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

async function bodies(server, entry, client, count, mode) {
  await server.reset();
  if (mode === 'server') await server.expire();
  const nonce = Math.random().toString(36).slice(2);
  const payloads = Array.from({ length: count }, (_, i) => ({ client: entry.name, mode, i, nonce, text: `body #${i}` }));
  const { value: run, wallMs } = await measure(() => runAll(count, (i) => client.post('api/echo', payloads[i])));
  const counters = await server.counters();
  client.dispose();
  let wrongEchoes = 0;
  const received = { never: 0, once: 0, twice: 0, more: 0, max: 0 };
  payloads.forEach((payload, i) => {
    const sent = JSON.stringify(payload);
    const echoed = run.values[i];
    if (echoed !== undefined && echoed !== sent) wrongEchoes++;
    const times = counters.requestsPerBody[sent] ?? 0;
    received.max = Math.max(received.max, times);
    if (times === 0) received.never++;
    else if (times === 1) received.once++;
    else if (times === 2) received.twice++;
    else received.more++;
  });
  return {
    scenario: 'bodies',
    mode,
    client: entry.name,
    n: count,
    failures: run.failures,
    wrongEchoes,
    receivedOnce: received.once,
    receivedTwice: received.twice,
    receivedMore: received.more,
    receivedNever: received.never,
    maxReceived: received.max,
    refreshCalls: counters.refreshCalls,
    unauthorized: counters.unauthorized,
    wallMs: round(wallMs),
    errors: run.errors,
  };
}

export async function serverExpiredBodies(server, count, log) {
  const rows = [];
  for (const entry of AUTH_CLIENTS) {
    rows.push(await bodies(server, entry, await freshSession(server, entry), count, 'server'));
    log(rows.at(-1));
  }
  return rows;
}

export async function visibleBodies(server, sessions, count, log) {
  await sessions.expired();
  const rows = [];
  for (const entry of AUTH_CLIENTS) {
    rows.push(await bodies(server, entry, sessions.take('bodies', entry), count, 'visible'));
    log(rows.at(-1));
  }
  return rows;
}
