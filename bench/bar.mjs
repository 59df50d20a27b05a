// The bar tokenflight must meet (issue: "The bar"). Every check has a kind; only `count` checks
// (refreshes, failures, 401s, bodies) decide the exit code, in quick and full runs alike. Timing,
// memory and size checks are reported but never fail a run: they depend on the machine.
/** Overhead (issue, goal 2): the client's CPU time per request at most this many times raw ky's (median of interleaved rounds). */
export const OVERHEAD_MAX_CPU_RATIO = 1.05;
/** Overhead: wall time per round at most this many times raw ky's (median of interleaved rounds). */
export const OVERHEAD_MAX_RATIO = 1.1;
/** Own code, min+gzip, per scenario (the lean-core goals): the whole main entry, a default browser client, a memory-only JSON client. */
export const SIZE_GOALS = [
  ['tokenflight', 'the whole main entry', 10_000],
  ['tokenflight-browser', 'a default browser client (createAuthClient + webStorage)', 9_000],
  ['tokenflight-client', 'a memory-only JSON client (createAuthClient)', 7_000],
];
/** Heap growth allowed after a full GC (allocator noise), beyond the raw ky baseline's own when it ran. */
export const MEMORY_NOISE_MIB = 1;
/** Outage: the first request after the refresh endpoint recovers succeeds within about a second. */
export const OUTAGE_RECOVERY_MAX_MS = 1_250;
/** Outage: about one refresh attempt per second while the endpoint is down (+2: the first attempt, rounding). */
export const outageRefreshLimit = (outageS) => Math.ceil(outageS) + 2;
/** The outage's actual length in seconds (a loaded machine stretches it a little), to a tenth. */
const downSeconds = (row) => Math.round((row.downForMs ?? row.outageS * 1000) / 100) / 10;

/** The two outage thresholds, for any client's row (the report shows them for the comparators too). */
export function outageThresholds(row) {
  return {
    limit: outageRefreshLimit(downSeconds(row)),
    rate: row.refreshDown <= outageRefreshLimit(downSeconds(row)),
    recovery: row.firstSuccessMs !== null && row.firstSuccessMs <= OUTAGE_RECOVERY_MAX_MS,
  };
}

const TF = 'tokenflight';

export function checkBar(results) {
  const checks = [];
  const add = (kind, scenario, check, pass, measured) => checks.push({ kind, scenario, check, pass, measured: String(measured) });

  for (const row of results.storm.filter((r) => r.client === TF)) {
    const where = `storm, ${row.mode === 'visible' ? 'visibly expired' : 'server-expired'}, N=${row.n}`;
    add('count', where, 'exactly 1 refresh', row.refreshCalls === 1, row.refreshCalls);
    add('count', where, '0 failures', row.failures === 0, row.failures);
    if (row.mode === 'visible') add('count', where, '0 401s served', row.unauthorized === 0, row.unauthorized);
  }
  for (const row of results.bodies.filter((r) => r.client === TF)) {
    const where = `bodies, ${row.mode === 'visible' ? 'visibly expired' : 'server-expired'}, ${row.n} POSTs`;
    add('count', where, '0 failures', row.failures === 0, row.failures);
    add('count', where, '0 wrong echoes', row.wrongEchoes === 0, row.wrongEchoes);
    if (row.mode === 'visible') add('count', where, 'each body received exactly once', row.receivedOnce === row.n, `${row.receivedOnce}/${row.n} once, max ${row.maxReceived}`);
  }
  for (const row of results.steady.filter((r) => r.client === TF)) {
    const where = `steady expiry, ${row.tokenTtlSeconds} s tokens, ${row.durationMs / 1000} s`;
    add('count', where, '0 failures', row.failures === 0, row.failures);
    add('count', where, '0 401s served', row.unauthorized === 0, row.unauthorized);
    add('count', where, `refresh calls within ±1 of ${row.expectedRefreshCalls}`, Math.abs(row.refreshCalls - row.expectedRefreshCalls) <= 1, row.refreshCalls);
  }
  for (const row of (results.outage ?? []).filter((r) => r.client === TF)) {
    const where = `outage ${row.outageS} s, ${row.rate} requests/s`;
    const met = outageThresholds(row);
    add('count', where, `≤ ~1 refresh call/s while down (≤ N + 2 in N s)`, met.rate, `${row.refreshDown} in ${downSeconds(row)} s (${row.refreshPerSecondDown}/s)`);
    const recovered = row.firstSuccessMs === null ? `no success in ${row.afterS} s` : `${row.firstSuccessMs} ms`;
    add('timing', where, `first success ≤ ${OUTAGE_RECOVERY_MAX_MS} ms after recovery`, met.recovery, recovered);
  }
  const overhead = results.overhead?.rows.find((r) => r.client === TF);
  if (overhead) {
    const spread = (s) => (s ? ` (IQR ${s.q1}–${s.q3}, min–max ${s.min}–${s.max}, ${overhead.rounds} rounds)` : '');
    add('timing', 'overhead', `client CPU per request ≤ ${OVERHEAD_MAX_CPU_RATIO}× raw ky's (median of interleaved rounds)`, overhead.cpuRatio <= OVERHEAD_MAX_CPU_RATIO, `${overhead.cpuRatio}×${spread(overhead.cpuSpread)}`);
    add('timing', 'overhead', `wall time ≤ ${OVERHEAD_MAX_RATIO}× raw ky's (median of interleaved rounds)`, overhead.wallRatio <= OVERHEAD_MAX_RATIO, `${overhead.wallRatio}×${spread(overhead.wallSpread)}`);
  }
  const memory = results.memory.find((r) => r.client === TF);
  if (memory) {
    const baseline = results.memory.find((r) => r.client === 'raw-ky')?.growthMiB;
    const limit = Math.max(0, baseline ?? 0) + MEMORY_NOISE_MIB;
    const what = baseline === undefined ? '' : ` (raw ky's + ${MEMORY_NOISE_MIB})`;
    add('memory', 'memory', `heap growth ≤ ${limit.toFixed(2)} MiB${what}`, memory.growthMiB <= limit, `${memory.growthMiB} MiB`);
    add('memory', 'memory', 'no more timers than after warm-up', memory.timersAfter <= memory.timersWarm, `${memory.timersWarm} → ${memory.timersAfter}`);
  }
  const dpop = results.dpop;
  if (dpop) {
    const failures = dpop.rows.filter((r) => r.client === 'tokenflight-dpop').reduce((sum, r) => sum + r.failures, 0);
    add('count', 'dpop', '0 failures with dpop()', failures === 0, failures);
    const rejected = Object.values(dpop.proofsRejected ?? {}).reduce((sum, count) => sum + count, 0);
    add('count', 'dpop', 'a proof accepted for every DPoP request, none rejected', dpop.proofsAccepted >= dpop.dpopSent && rejected === 0, `${dpop.proofsAccepted} accepted for ${dpop.dpopSent} requests, ${rejected} rejected`);
  }
  for (const [client, what, max] of SIZE_GOALS) {
    const size = results.size.find((r) => r.client === client);
    if (size) add('size', 'size', `${what}: own code ≤ ${max / 1000} kB min+gzip`, size.ownGzipBytes <= max, `${size.ownGzipBytes} B`);
  }
  return checks;
}

export const countFailures = (checks) => checks.filter((check) => check.kind === 'count' && !check.pass);
