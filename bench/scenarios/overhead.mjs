// overhead: a valid token, GETs at a fixed concurrency, in interleaved rounds (each round runs every
// client once, in an order rotated by one per round, after one warm-up round that is not counted).
// Per round and client: wall time and the client process' CPU time (process.cpuUsage around the
// round; the server runs in its own process). The result is, per client, the median over rounds of
// its ratio to raw ky in the same round, with the spread of those ratios (quartiles, lowest,
// highest): on a small shared machine one round can be far off, the median of interleaved rounds
// is the figure to compare.
import { CLIENTS } from '../clients/index.mjs';
import { measure, median, quantile, round, runPool } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

/** Median ratio and its spread over rounds, rounded for the report. */
export function ratioStats(ratios) {
  const r3 = (value) => round(value, 3);
  return { median: r3(median(ratios)), q1: r3(quantile(ratios, 0.25)), q3: r3(quantile(ratios, 0.75)), min: r3(Math.min(...ratios)), max: r3(Math.max(...ratios)) };
}

/** "1.031× (IQR 0.990–1.070, min–max 0.930–1.120)": a ratio's median and spread over rounds. */
export const spreadText = (s) => `${s.median.toFixed(3)}× (IQR ${s.q1.toFixed(3)}–${s.q3.toFixed(3)}, min–max ${s.min.toFixed(3)}–${s.max.toFixed(3)})`;

export async function overhead(server, { total, concurrency, rounds }, log) {
  if (rounds < 5) throw new Error('overhead: at least 5 rounds');
  const perRound = Math.ceil(total / rounds);
  const clients = [];
  for (const entry of CLIENTS.filter((candidate) => candidate.overhead)) clients.push({ entry, client: await freshSession(server, entry) });
  await server.reset();
  const samples = new Map(clients.map(({ entry }) => [entry.name, []]));
  const failures = new Map(clients.map(({ entry }) => [entry.name, 0]));
  // Round 0 warms every client up (JIT, connection pool) and is not counted.
  for (let r = 0; r <= rounds; r++) {
    for (let k = 0; k < clients.length; k++) {
      const { entry, client } = clients[(k + r) % clients.length];
      const { value, wallMs, cpuMs } = await measure(() => runPool(perRound, concurrency, () => client.get('api/me')));
      failures.set(entry.name, failures.get(entry.name) + value.failures);
      if (r > 0) samples.get(entry.name).push({ wallMs, cpuMs });
    }
  }
  const counters = await server.counters();
  for (const { client } of clients) client.dispose();

  const base = samples.get('raw-ky');
  const rows = clients.map(({ entry }) => {
    const own = samples.get(entry.name);
    const wall = ratioStats(own.map((s, i) => s.wallMs / base[i].wallMs));
    const cpu = ratioStats(own.map((s, i) => s.cpuMs / base[i].cpuMs));
    const medianWall = median(own.map((s) => s.wallMs));
    return {
      scenario: 'overhead',
      client: entry.name,
      requests: perRound * rounds,
      concurrency,
      rounds,
      medianRoundMs: round(medianWall, 1),
      requestsPerSecond: round((perRound / medianWall) * 1000),
      medianCpuMsPerRound: round(median(own.map((s) => s.cpuMs)), 1),
      /** The client process' CPU time per request, µs: the median over rounds. */
      cpuUsPerRequest: round((median(own.map((s) => s.cpuMs)) / perRound) * 1000, 1),
      wallRatio: wall.median,
      cpuRatio: cpu.median,
      wallSpread: wall,
      cpuSpread: cpu,
      failures: failures.get(entry.name),
    };
  });
  for (const row of rows) log({ ...row, cpuUs: row.cpuUsPerRequest, cpuRatio: spreadText(row.cpuSpread), wallRatio: spreadText(row.wallSpread) });
  return { rows, refreshCalls: counters.refreshCalls, unauthorized: counters.unauthorized };
}
