// outage: one signed-in client sends GETs at a steady rate (open loop, 50/s) on short-lived access
// tokens. After a lead-in, the refresh endpoint goes down (503 with no Retry-After) for N s while
// the requests keep coming, then it comes back. The lead-in is shorter than half the token's
// lifetime, so every client's first refresh attempt falls in the outage. Per client: refresh calls
// while down (per second, and the peak over ~1 s), failed requests before / during / after the
// outage (by when the request started), the time from recovery to the first successful request
// started after it, and the failures of requests started once that one had succeeded (the client's
// own trouble, not the outage's: an expiry race, a revoked session).
// Every run (client × outage length) has its own server process (its own counters) and all of them
// run at once, so the scenario takes the longest run's time, not the sum.
import { AUTH_CLIENTS } from '../clients/index.mjs';
import { startServer } from '../lib/server.mjs';
import { describeError, openLoop, round, sleep } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

/** Counter sampling period while the endpoint is down (for the peak per ~1 s). */
const SAMPLE_MS = 250;
/** How long the requests still in flight when the traffic stops may take before counting as failed. */
const SETTLE_MS = 5_000;

export async function outage({ outagesS, afterS, ttl, rate, leadInMs }, log) {
  const runs = outagesS.flatMap((outageS, k) => AUTH_CLIENTS.map((entry) => ({ entry, outageS, afterS: afterS[k] })));
  const settled = await Promise.allSettled(runs.map((run) => outageRun(run, { ttl, rate, leadInMs })));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const rows = settled.map((result) => result.value);
  for (const row of rows) log(row);
  return rows;
}

async function outageRun({ entry, outageS, afterS }, { ttl, rate, leadInMs }) {
  const server = await startServer(ttl);
  let client;
  let stopped = false;
  try {
    client = await freshSession(server, entry, { autoRefresh: true });
    const loggedInAt = performance.now();
    await server.reset();
    const requests = [];
    const traffic = openLoop(rate, () => stopped, () => {
      const request = { start: performance.now(), end: null, error: 'unfinished' };
      requests.push(request);
      return client
        .get('api/me')
        .then(
          () => {
            request.error = null;
          },
          (error) => {
            request.error = describeError(error);
          },
        )
        .finally(() => {
          request.end = performance.now();
        });
    });
    // The lead-in counts from the login: the outage starts at the same point of the token's life whatever the setup took.
    await sleep(Math.max(0, loggedInAt + leadInMs - performance.now()));

    const downAt = await server.refreshDown();
    const samples = [{ at: downAt, refreshCalls: (await server.counters()).refreshCalls }];
    const upDue = downAt + outageS * 1000;
    for (let k = 1; performance.now() < upDue; k++) {
      await sleep(Math.max(0, Math.min(downAt + k * SAMPLE_MS, upDue) - performance.now()));
      samples.push({ at: performance.now(), refreshCalls: (await server.counters()).refreshCalls });
    }
    const upAt = await server.refreshUp();
    await sleep(Math.max(0, upAt + afterS * 1000 - performance.now()));

    stopped = true;
    const fired = await traffic;
    await settle(fired, SETTLE_MS);
    const counters = await server.counters();
    return summarize({ entry, outageS, afterS, ttl, rate, leadInMs }, { requests, samples, loggedInAt, downAt, upAt, counters });
  } finally {
    stopped = true;
    client?.dispose();
    await server.stop();
  }
}

/** Waits for every promise to settle, at most `ms` (leaving no timer behind). */
function settle(promises, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void Promise.allSettled(promises).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function summarize(run, { requests, samples, loggedInAt, downAt, upAt, counters }) {
  const phaseOf = (request) => (request.start < downAt ? 'before' : request.start < upAt ? 'during' : 'after');
  const phases = { before: [], during: [], after: [] };
  for (const request of requests) phases[phaseOf(request)].push(request);
  const failedIn = (phase) => phases[phase].filter((request) => request.error !== null);
  const causes = (phase) => {
    const counts = {};
    for (const { error } of failedIn(phase)) counts[error] = (counts[error] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 3));
  };
  const successEnds = phases.after.filter((request) => request.error === null).map((request) => request.end);
  const recoveredAt = successEnds.length === 0 ? null : Math.min(...successEnds);

  const atDown = samples[0].refreshCalls;
  const atUp = samples.at(-1).refreshCalls;
  const perWindow = 1000 / SAMPLE_MS;
  let peak = 0;
  for (let i = 0; i + perWindow < samples.length; i++) peak = Math.max(peak, samples[i + perWindow].refreshCalls - samples[i].refreshCalls);
  // An outage shorter than one window: its whole count.
  if (samples.length <= perWindow) peak = atUp - atDown;

  return {
    scenario: 'outage',
    mode: `${run.outageS} s`,
    client: run.entry.name,
    outageS: run.outageS,
    afterS: run.afterS,
    rate: run.rate,
    tokenTtlSeconds: run.ttl,
    leadInMs: run.leadInMs,
    /** From the end of the login to the start of the outage (the lead-in plus setup). */
    downAfterLoginMs: round(downAt - loggedInAt),
    requests: requests.length,
    requestsBefore: phases.before.length,
    requestsDuring: phases.during.length,
    requestsAfter: phases.after.length,
    failedBefore: failedIn('before').length,
    failedDuring: failedIn('during').length,
    failedAfter: failedIn('after').length,
    unfinished: requests.filter((request) => request.end === null).length,
    refreshBefore: atDown,
    refreshDown: atUp - atDown,
    refreshPerSecondDown: round((atUp - atDown) / run.outageS, 2),
    peakRefreshPerSecond: peak,
    refreshAfter: counters.refreshCalls - atUp,
    /** From the end of the outage to the first successful request started after it; null: none. */
    firstSuccessMs: recoveredAt === null ? null : round(recoveredAt - upAt),
    /** Failed requests started after that first success had arrived. */
    failedAfterFirstSuccess: recoveredAt === null ? 0 : failedIn('after').filter((request) => request.start >= recoveredAt).length,
    unauthorized: counters.unauthorized,
    reuseDetections: counters.reuseDetections,
    errors: { before: causes('before'), during: causes('during'), after: causes('after') },
  };
}
