// overhead: a valid token, GETs at a fixed concurrency, in interleaved rounds (each round runs every
// client once, in a rotated order). Per round: wall time and client CPU time; the result is the
// median over rounds of each client's ratio to raw ky in the same round.
import { CLIENTS } from '../clients/index.mjs';
import { measure, median, round, runPool } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

export async function overhead(server, { total, concurrency, rounds }, log) {
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
    const wallRatio = median(own.map((s, i) => s.wallMs / base[i].wallMs));
    const cpuRatio = median(own.map((s, i) => s.cpuMs / base[i].cpuMs));
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
      wallRatio: round(wallRatio, 3),
      cpuRatio: round(cpuRatio, 3),
      failures: failures.get(entry.name),
    };
  });
  for (const row of rows) log(row);
  return { rows, refreshCalls: counters.refreshCalls, unauthorized: counters.unauthorized };
}
