// Child process of the outage scenario: one client's run, in its own process so that its timings are
// its own (another client's refresh storm in the same event loop would delay them). Usage:
// node outage-process.mjs <server url> <client name> <run as JSON>. The run drives its server's
// outage itself (the control endpoints), so that every time is on this process' clock. Sends the
// run's row to the parent over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CLIENTS } from '../clients/index.mjs';
import { controlled } from '../lib/server.mjs';
import { describeError, openLoop, round, sleep } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

/** Counter sampling period while the endpoint is down (for the peak per ~1 s). */
const SAMPLE_MS = 250;
/** How long the requests still in flight when the traffic stops may take before counting as failed. */
const SETTLE_MS = 5_000;

const [url, name, rawRun] = process.argv.slice(2);
const run = JSON.parse(rawRun);
const entry = CLIENTS.find((candidate) => candidate.name === name);
process.on('disconnect', () => process.exit(1));
const started = performance.now();
/** BENCH_TRACE=1: each step of the run on stderr. */
const trace = process.env.BENCH_TRACE ? (what) => console.error(`   [${name} ${run.outageS} s] ${((performance.now() - started) / 1000).toFixed(1)} s: ${what}`) : () => undefined;

// Timings are only as good as this process' event loop: its delay goes with the row.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const row = await outageRun(controlled(url, run.ttl), { ...run, entry });
loop.disable();
process.send({ ...row, loopDelayP99Ms: round(loop.percentile(99) / 1e6), loopDelayMaxMs: round(loop.max / 1e6) }, () => process.exit(0));

async function outageRun(server, { entry, outageS, afterS, ttl, rate, leadInMs }) {
  let client;
  let stopped = false;
  try {
    trace('logging in');
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

    trace('refresh endpoint going down');
    const downAt = await server.refreshDown();
    const samples = [{ at: downAt, refreshCalls: (await server.counters()).refreshCalls }];
    const upDue = downAt + outageS * 1000;
    for (let k = 1; performance.now() < upDue; k++) {
      await sleep(Math.max(0, Math.min(downAt + k * SAMPLE_MS, upDue) - performance.now()));
      // A sample that fails (a server too busy to answer) is skipped: it only sharpens the peak.
      const counters = await server.counters().catch(() => null);
      if (counters !== null) samples.push({ at: performance.now(), refreshCalls: counters.refreshCalls });
    }
    // The count at the end of the outage must not be a skipped one.
    samples.push({ at: performance.now(), refreshCalls: (await server.counters()).refreshCalls });
    trace('refresh endpoint coming back');
    const upAt = await server.refreshUp();
    await sleep(Math.max(0, upAt + afterS * 1000 - performance.now()));

    trace('stopping the traffic');
    stopped = true;
    const fired = await traffic;
    await settle(fired, SETTLE_MS);
    trace('settled');
    const counters = await server.counters();
    return summarize({ entry, outageS, afterS, ttl, rate, leadInMs }, { requests, samples, loggedInAt, downAt, upAt, counters });
  } finally {
    stopped = true;
    client?.dispose();
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
  // The most calls between two samples at most ~1 s apart.
  let peak = 0;
  for (const [i, from] of samples.entries()) {
    for (const to of samples.slice(i + 1)) {
      if (to.at - from.at > 1000 + SAMPLE_MS / 5) break;
      peak = Math.max(peak, to.refreshCalls - from.refreshCalls);
    }
  }

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
    /** How long the endpoint was actually down (the nominal length plus the last control calls). */
    downForMs: round(upAt - downAt),
    refreshPerSecondDown: round((atUp - atDown) / ((upAt - downAt) / 1000), 2),
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
