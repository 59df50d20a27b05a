// `npm run bench` — tokenflight against raw ky, a hand-written ky single-flight, ky's README recipe
// and axios + axios-auth-refresh, on the reference auth server in a separate process (127.0.0.1).
//   npm run bench              full run (about 6 min): writes bench/results.json, docs/benchmarks.md and .svg
//   npm run bench -- --quick   small variant (< 60 s) for CI: prints the bar, writes nothing
//                              (add --write to write the files from it anyway); no outage scenario
//                              unless asked: --quick --only outage (a 3 s outage)
//   npm run bench -- --report  only re-renders docs/benchmarks.md and .svg from bench/results.json
//   npm run bench -- --only outage[,steady,...]
//                              only the named scenarios (storm, bodies, overhead, steady, memory,
//                              size, outage, dpop); prints, writes nothing (with --write: merges them into
//                              bench/results.json and re-renders the docs)
//   BENCH_TRACE=1 npm run bench -- --only outage
//                              also prints each step of every outage run
// Exits 1 when tokenflight misses a count check of the bar (refreshes, failures, 401s, bodies).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkBar, countFailures } from './bar.mjs';
import { CLIENTS, TIMEOUT_MS } from './clients/index.mjs';
import { REFRESH_LATENCY_MS, startServer } from './lib/server.mjs';
import { machineInfo } from './report/machine.mjs';
import { renderMarkdown } from './report/markdown.mjs';
import { renderSvg } from './report/svg.mjs';
import { serverExpiredBodies, visibleBodies } from './scenarios/bodies.mjs';
import { DPOP_SERVER_OPTIONS, dpopCost } from './scenarios/dpop.mjs';
import { memory } from './scenarios/memory.mjs';
import { outage } from './scenarios/outage.mjs';
import { overhead } from './scenarios/overhead.mjs';
import { prepareExpiringSessions } from './scenarios/sessions.mjs';
import { size } from './scenarios/size.mjs';
import { steady } from './scenarios/steady.mjs';
import { drain, serverExpiredStorms, visibleStorms } from './scenarios/storm.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCENARIOS = ['storm', 'bodies', 'overhead', 'steady', 'memory', 'size', 'outage', 'dpop'];
const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? null : (process.argv[onlyArg + 1] ?? '').split(',').filter(Boolean);
if (only !== null && (only.length === 0 || only.some((name) => !SCENARIOS.includes(name)))) {
  console.error(`bench: --only takes a comma-separated list of ${SCENARIOS.join(', ')}`);
  process.exit(2);
}
// The quick run (CI) leaves the outage out unless asked (`--quick --only outage`): on a loaded
// machine its processes and timed phases took 18 to 55 s, more than the quick run can spare. The
// DPoP cost is a timing (no count check of the bar depends on it): `--quick --only dpop` runs a small one.
const QUICK_SKIPS = ['outage', 'dpop'];
const wanted = (name) => (only === null ? !(quick && QUICK_SKIPS.includes(name)) : only.includes(name));
const writeFiles = (!quick && only === null) || process.argv.includes('--write');

const CONFIG = quick
  ? {
      mode: 'quick',
      stormSizes: [1, 10, 100],
      visibleTtl: 3,
      steadyTtl: 1,
      bodies: 200,
      // At least 5 interleaved rounds even here: the CPU ratio is a median over rounds.
      overhead: { total: 2_500, concurrency: 50, rounds: 5 },
      steady: { durationMs: 4_000, concurrency: 20, maxRequests: 200_000 },
      memory: { requests: 5_000, cycles: 50, warmupRequests: 1_000, warmupCycles: 10, concurrency: 50, limitMs: 30_000 },
      memoryClients: ['tokenflight'],
      // Only with --only outage. 2 s tokens, so that they expire early in the short outage; the clients at once.
      outage: { outagesS: [3], afterS: [3], ttl: 2, rate: 50, leadInMs: 500 },
      // Only with --only dpop.
      dpop: { modes: [{ perRound: 100, concurrency: 1, rounds: 5 }, { perRound: 500, concurrency: 50, rounds: 5 }], keySamples: 10, proofSamples: 200 },
      limitMs: 120_000,
    }
  : {
      mode: 'full',
      stormSizes: [1, 10, 100, 1_000, 10_000],
      visibleTtl: 60,
      steadyTtl: 1,
      bodies: 200,
      overhead: { total: 20_000, concurrency: 50, rounds: 20 },
      steady: { durationMs: 15_000, concurrency: 20, maxRequests: 1_000_000 },
      memory: { requests: 100_000, cycles: 1_000, warmupRequests: 5_000, warmupCycles: 50, concurrency: 50, limitMs: 120_000 },
      memoryClients: ['tokenflight'],
      // The clients at once, one outage after the other: about 95 s (1 + 10 + 15, then 1 + 30 + 35).
      outage: { outagesS: [10, 30], afterS: [15, 35], ttl: 3, rate: 50, leadInMs: 1_000 },
      // One request at a time (latency), then at concurrency 50 (throughput): about 90 s on 2 cores.
      dpop: { modes: [{ perRound: 500, concurrency: 1, rounds: 10 }, { perRound: 2_000, concurrency: 50, rounds: 10 }], keySamples: 50, proofSamples: 1_000 },
      limitMs: 600_000,
    };

/** Builds dist/ when it is missing; warns when it is older than src/ (the bench measures dist/). */
function ensureBuilt() {
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, e) => Math.max(max, e.isDirectory() ? newest(`${dir}/${e.name}`) : statSync(`${dir}/${e.name}`).mtimeMs), 0);
  const outputs = ['dist/index.js', 'dist/testing/index.js'].map((file) => `${ROOT}${file}`);
  if (outputs.every(existsSync)) {
    if (Math.min(...outputs.map((file) => statSync(file).mtimeMs)) < newest(`${ROOT}src`)) {
      console.warn('== warning: dist/ is older than src/; this run measures the old build (run `npm run build` first).');
    }
    return;
  }
  console.log('== dist/ is missing: npm run build');
  const npm = process.env.npm_execpath;
  const result = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

const SHOW = ['n', 'skipped', 'refreshCalls', 'unauthorized', 'failures', 'reuseDetections', 'wrongEchoes', 'receivedOnce', 'maxReceived', 'wallRatio', 'cpuRatio', 'requests', 'rounds', 'growthMiB', 'ownGzipBytes', 'wallMs',
  'refreshDown', 'refreshPerSecondDown', 'peakRefreshPerSecond', 'refreshAfter', 'failedBefore', 'failedDuring', 'failedAfter', 'unfinished', 'firstSuccessMs', 'failedAfterFirstSuccess', 'downAfterLoginMs', 'loopDelayP99Ms', 'wallUs', 'cpuUs'];
function log(row) {
  const fields = SHOW.filter((key) => row[key] !== undefined).map((key) => `${key}=${row[key]}`);
  console.log(`  ${row.scenario}${row.mode ? ` ${row.mode}` : ''} · ${row.client}: ${fields.join(' ')}`);
}

/** Runs one step of the bench, printing its name and how long it took. */
async function phase(name, fn) {
  console.log(`== ${name}`);
  const t0 = Date.now();
  const value = await fn();
  console.log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return value;
}

async function main() {
  ensureBuilt();
  const started = Date.now();
  const results = { config: { ...CONFIG, refreshLatencyMs: REFRESH_LATENCY_MS, timeoutMs: TIMEOUT_MS }, machine: machineInfo(), storm: [], bodies: [], steady: [], memory: [], size: [], outage: [] };
  if (only !== null) results.only = only;
  const servers = [];
  const start = async (ttl, options) => servers[servers.push(await startServer(ttl, options)) - 1];
  try {
    const long = wanted('storm') || wanted('bodies') || wanted('overhead') || wanted('memory') ? await start(300) : null;
    const visible = wanted('storm') || wanted('bodies') ? await start(CONFIG.visibleTtl) : null;
    const steadyServer = wanted('steady') ? await start(CONFIG.steadyTtl) : null;
    const dpopServer = wanted('dpop') ? await start(300, DPOP_SERVER_OPTIONS) : null;
    if (servers.length > 0) console.log(`== servers: ${servers.map((s) => `${s.url} (${s.ttl} s tokens, pid ${s.pid})`).join(', ')}`);
    if (visible !== null) {
      // Sessions for the visibly-expired runs log in now; their tokens expire while the others run.
      const slots = [...(wanted('storm') ? CONFIG.stormSizes.map((n) => ({ name: `storm-${n}`, n })) : []), ...(wanted('bodies') ? [{ name: 'bodies' }] : [])];
      const sessions = await prepareExpiringSessions(visible, slots);
      try {
        if (wanted('storm')) results.storm.push(...(await phase('storm, token expired by the server', () => serverExpiredStorms(long, CONFIG.stormSizes, log).finally(drain))));
        if (wanted('bodies')) results.bodies.push(...(await phase('bodies, token expired by the server', () => serverExpiredBodies(long, CONFIG.bodies, log))));
        if (wanted('overhead')) results.overhead = await phase('overhead', () => overhead(long, CONFIG.overhead, log));
        if (wanted('storm')) results.storm.push(...(await phase('storm, visibly expired token', () => visibleStorms(visible, sessions, CONFIG.stormSizes, log).finally(drain))));
        if (wanted('bodies')) results.bodies.push(...(await phase('bodies, visibly expired token', () => visibleBodies(visible, sessions, CONFIG.bodies, log))));
      } finally {
        sessions.dispose();
      }
    } else if (wanted('overhead')) {
      results.overhead = await phase('overhead', () => overhead(long, CONFIG.overhead, log));
    }
    if (wanted('steady')) results.steady = await phase('steady expiry', () => steady(steadyServer, CONFIG.steady, log));
    if (wanted('memory')) results.memory = await phase('memory', () => memory(long, CONFIG.memory, CONFIG.memoryClients, log));
    if (wanted('dpop')) results.dpop = await phase('dpop cost per request', () => dpopCost(dpopServer, CONFIG.dpop, log));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  const o = CONFIG.outage;
  if (wanted('outage')) results.outage = await phase(`outage of the refresh endpoint (${o.outagesS.join(' s and ')} s, ${o.rate} requests/s)`, () => outage(o, log));
  if (wanted('size')) results.size = await phase('size', () => size(log));
  results.durationMs = Date.now() - started;
  results.bar = checkBar(results);
  return results;
}

/**
 * A partial run (--only … --write): its scenarios replace theirs in bench/results.json; the others,
 * the machine and the bar's other checks stay from the run that wrote the file.
 */
function merge(results) {
  const base = JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8'));
  const merged = { ...base, config: { ...base.config } };
  const separate = { ...base.separateRuns };
  for (const name of only) {
    merged[name] = results[name];
    if (name in CONFIG) merged.config[name] = CONFIG[name];
    separate[name] = { date: results.machine.date, mode: CONFIG.mode, git: results.machine.git, loadAverageAtStart: results.machine.loadAverageAtStart, durationMs: results.durationMs };
  }
  merged.separateRuns = separate;
  merged.bar = checkBar(merged);
  return merged;
}

function write(results, withResults = true) {
  const labels = Object.fromEntries(CLIENTS.map((client) => [client.name, client.label]));
  mkdirSync(`${ROOT}docs`, { recursive: true });
  if (withResults) writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${ROOT}docs/benchmarks.md`, renderMarkdown(results, labels));
  writeFileSync(`${ROOT}docs/benchmarks.svg`, renderSvg(results, labels));
  console.log(`== wrote ${withResults ? 'bench/results.json, ' : ''}docs/benchmarks.md, docs/benchmarks.svg`);
}

const watchdog = setTimeout(() => {
  console.error(`bench: exceeded its ${CONFIG.limitMs / 1000} s limit; stopping.`);
  process.exit(2);
}, CONFIG.limitMs);
watchdog.unref();

try {
  if (process.argv.includes('--report')) {
    write(JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8')), false);
    process.exit(0);
  }
  const results = await main();
  if (writeFiles) write(only === null ? results : merge(results));
  console.log(`== the bar (${Math.round(results.durationMs / 1000)} s)`);
  for (const check of results.bar) console.log(`  ${check.pass ? 'ok  ' : 'MISS'} [${check.kind}] ${check.scenario}: ${check.check} — ${check.measured}`);
  const missed = countFailures(results.bar);
  if (missed.length > 0) {
    console.error(`bench: tokenflight missed ${missed.length} count check(s) of the bar.`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error('bench: failed:', error);
  process.exitCode = 2;
}
