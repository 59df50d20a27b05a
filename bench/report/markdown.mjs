// docs/benchmarks.md: one table per scenario, the bar, the chart, machine and versions.
import { OUTAGE_RECOVERY_MAX_MS, OVERHEAD_MAX_CPU_RATIO, outageThresholds } from '../bar.mjs';
import { ANCHORS } from '../scenarios/size.mjs';

const n = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value ?? '—'));
/** A Markdown table; `textColumns` columns are left-aligned, the others (numbers) right-aligned. */
const table = (head, rows, textColumns = 1) =>
  [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < textColumns ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The bar's checks, one line per scenario family and check (e.g. all visible storms' "0 failures"). */
function barRows(checks) {
  const groups = new Map();
  for (const c of checks) {
    const family = c.scenario.replace(/, N=\d+$/, '');
    const key = `${family}|${c.check}`;
    if (!groups.has(key)) groups.set(key, { family, check: c.check, kind: c.kind, runs: [] });
    groups.get(key).runs.push(c);
  }
  return [...groups.values()].map(({ family, check, kind, runs }) => {
    const missed = runs.filter((r) => !r.pass);
    const where = (r) => (r.scenario.match(/N=\d+$/) ? `${r.scenario.match(/N=\d+$/)[0]}: ` : '');
    const measured = missed.length === 0 ? (runs.length === 1 ? runs[0].measured : `${runs.length}/${runs.length} runs`) : missed.map((r) => `${where(r)}${r.measured}`).join(', ');
    return [family, check, kind, measured, missed.length === 0 ? '✅' : '❌ **missed**'];
  });
}
const causes = (errors) => Object.entries(errors ?? {}).map(([what, count]) => `${n(count)}× ${what}`).join(', ');
const bold = (row, label) => (row.client === 'tokenflight' ? `**${label}**` : label);
const met = (pass) => (pass ? '✅' : '❌');
const gitText = (git) => (git ? `git ${git.commit}${git.modified ? ' + uncommitted changes in src/' : ''}` : 'unknown');
/** When, on what and under which load a scenario merged in by `--only … --write` ran. */
const separateRun = (run) => `${run.date} · ${run.mode} · ${gitText(run.git)}${run.loadAverageAtStart ? ` · load average at start ${run.loadAverageAtStart.join(' / ')}` : ''}`;

/** The outage section: every client beside tokenflight, with both thresholds marked for each. */
function outageSection(results, label) {
  const rows = results.outage ?? [];
  if (rows.length === 0) return [];
  const o = results.config.outage;
  const separate = results.separateRuns?.outage;
  const causesAfter = (r) => causes(r.errors?.after);
  return [
    '',
    '## Outage: refresh endpoint down',
    '',
    `One client sends ${o.rate} GETs per second (open loop: a slow answer does not delay the next request) on ${o.ttl} s access tokens. ${n(o.leadInMs)} ms after it starts, \`/auth/refresh\` answers 503 without \`Retry-After\` to every call for the outage's length, then serves again (with its ${results.config.refreshLatencyMs} ms latency); the requests keep coming for ${o.afterS.map((s, i) => `${s} s after the ${o.outagesS[i]} s outage`).join(' and ')}. Each client's token expires early in the outage: from then on no request can succeed until the endpoint is back, so failures during the outage are expected, and what matters is how hard the client hits the endpoint while it is down and how soon it notices that it is back. Requests count in the phase in which they started. tokenflight runs with its background refresh on (the default). Every run has its own server process and its own client process (whose event-loop delay, p99 / max, is in the last column: every time is taken there); the clients run at once, one outage length after the other.`,
    '',
    `Thresholds: at most about one refresh call per second while the endpoint is down (at most N + 2 calls in an N s outage, N measured from the moment the endpoint went down to the moment it was back: the first attempt, rounding), and the first request started after the endpoint is back succeeds within ${n(OUTAGE_RECOVERY_MAX_MS)} ms (one second between attempts, plus a refresh round trip). "Peak" is the most refresh calls in any ~1 s window (server counters sampled every 250 ms). The first success after recovery is one sample per run: for a client that backs off with jitter it depends on where its next attempt happens to fall, so repeated runs of the same code can differ by seconds. "Failed after it succeeded" counts the failures of requests started once that first success had arrived: the client's own trouble, not the outage's (an expiry race, a revoked session).`,
    '',
    'Re-run it alone: `npm run bench -- --only outage` (about 100 s; add `--write` to merge its figures into this page). The quick run CI makes leaves it out; `npm run bench -- --quick --only outage` runs a 3 s outage.',
    ...(separate ? ['', `This section comes from a separate run (\`npm run bench -- --only outage --write\`): ${separateRun(separate)}.`] : []),
    '',
    table(['outage', 'client', 'refresh calls while down', 'per second', 'peak in ~1 s', 'failed before', 'failed during', 'failed after', 'first success after recovery (ms)', 'failed after it succeeded', 'refresh calls after', 'reuse detections', `≤ ~1 call/s`, `first success ≤ ${n(OUTAGE_RECOVERY_MAX_MS)} ms`, 'failure causes after recovery', 'event loop (ms)'],
      rows.map((r) => {
        const t = outageThresholds(r);
        return [`${r.outageS} s`, label(r), `${n(r.refreshDown)} (≤ ${t.limit})`, n(r.refreshPerSecondDown), n(r.peakRefreshPerSecond), `${n(r.failedBefore)} / ${n(r.requestsBefore)}`, `${n(r.failedDuring)} / ${n(r.requestsDuring)}`, `${n(r.failedAfter)} / ${n(r.requestsAfter)}`, r.firstSuccessMs === null ? `none in ${r.afterS} s` : n(r.firstSuccessMs), n(r.failedAfterFirstSuccess), n(r.refreshAfter), n(r.reuseDetections), met(t.rate), met(t.recovery), causesAfter(r), r.loopDelayP99Ms === undefined ? '' : `${n(r.loopDelayP99Ms)} / ${n(r.loopDelayMaxMs)}`];
      })),
  ];
}

/** The overhead section: CPU and wall time per request beside raw ky, medians of interleaved rounds with their spread. */
function overheadSection(results, label) {
  const o = results.config.overhead;
  const separate = results.separateRuns?.overhead;
  const perRound = Math.ceil(o.total / o.rounds);
  const f3 = (v) => v.toFixed(3);
  const median = (s, value) => `${f3(s?.median ?? value)}×`;
  const iqr = (s) => (s ? `${f3(s.q1)}–${f3(s.q3)}` : '—');
  const range = (s) => (s ? `${f3(s.min)}–${f3(s.max)}` : '—');
  return [
    '',
    '## Overhead',
    '',
    `A valid token and no refresh: what each client costs per request. ${n(o.rounds)} interleaved rounds of ${n(perRound)} GETs per client at concurrency ${o.concurrency} (plus one warm-up round); each round runs every client once, in an order rotated by one per round, so that load from elsewhere on the machine falls on every client alike. CPU is the client process' own CPU time (\`process.cpuUsage()\` around each round; the server runs in another process). A ratio is the median over rounds of the client's figure ÷ raw ky's in the same round; its spread over the rounds is given as the interquartile range and the lowest to highest round. Client and server share the machine's cores, and on a small shared machine a single round can be far off: compare the medians, within one run. tokenflight's goal: CPU per request ≤ ${OVERHEAD_MAX_CPU_RATIO}× raw ky's.`,
    '',
    'Re-run it alone: `npm run bench -- --only overhead` (30 to 90 s on the 2-core machine, with the load; add `--write` to merge its figures into this page). The quick run CI makes runs 5 shorter rounds and reports, never fails on, the ratio.',
    ...(separate ? ['', `This section comes from a separate run (\`npm run bench -- --only overhead --write\`): ${separateRun(separate)}.`] : []),
    '',
    table(['client', 'CPU per request (µs)', 'CPU ÷ raw ky', 'CPU ratio IQR', 'CPU ratio min–max', 'wall ÷ raw ky', 'wall ratio IQR', 'wall ratio min–max', 'requests/s', 'failures'],
      results.overhead.rows.map((r) => [label(r), r.cpuUsPerRequest === undefined ? '—' : n(r.cpuUsPerRequest), median(r.cpuSpread, r.cpuRatio), iqr(r.cpuSpread), range(r.cpuSpread), median(r.wallSpread, r.wallRatio), iqr(r.wallSpread), range(r.wallSpread), n(r.requestsPerSecond), n(r.failures)])),
  ];
}

/** The size section: tokenflight's scenarios beside other auth clients (quoted), then every measured entry. */
function sizeSection(results) {
  const kB = (bytes) => (bytes / 1000).toFixed(1);
  const ours = results.size.filter((r) => r.client.startsWith('tokenflight'));
  const importsOf = (r) => (r.imports === undefined ? '' : r.imports === '*' ? '`*`' : `\`${r.imports}\``);
  return [
    '',
    '## Size',
    '',
    'esbuild bundle (browser, ESM, minified) of the built package, gzip level 9 as size-limit measures. "Own code" leaves npm dependencies external (tokenflight\'s are ky, mitt and jwt-decode, about 9 kB min+gzip together); the hand-written rows measure the code in `bench/clients/`.',
    '',
    'tokenflight\'s scenarios (what an app imports from `tokenflight`, measured by this run) beside the main entry of other auth clients, own code min+gzip in kB (1,000 bytes). The other clients\' figures are quoted from an earlier side-by-side measurement (esbuild min + gzip -9, own code of the main entry), not re-measured here; they do different amounts of work, so read them as anchors, not as a ranking.',
    '',
    table(['client', 'imports', 'source', 'own code min+gzip (kB)'], [
      ...ours.map((r) => [`**${r.label}**`, importsOf(r), 'measured by this run', kB(r.ownGzipBytes)]),
      ...ANCHORS.map((a) => [`${a.name}${a.note ? ` (${a.note})` : ''}`, 'main entry', 'quoted (earlier side-by-side measurement), not re-measured here', a.kB.toFixed(1)]),
    ], 3),
    '',
    'Every entry this run measured, in bytes:',
    '',
    table(['entry', 'own code min', 'own code min+gzip', 'with dependencies min', 'with dependencies min+gzip'],
      results.size.map((r) => [bold(r, r.label), `${n(r.ownMinBytes)} B`, `${n(r.ownGzipBytes)} B`, `${n(r.withDepsMinBytes)} B`, `${n(r.withDepsGzipBytes)} B`])),
  ];
}

/** The DPoP section: time and client CPU per request with dpop(), with Bearer, with raw ky; key and proof. */
function dpopSection(results) {
  const d = results.dpop;
  if (!d) return [];
  const c = results.config.dpop;
  const separate = results.separateRuns?.dpop;
  const labels = { 'tokenflight-dpop': '**tokenflight, `dpop()`**', tokenflight: 'tokenflight, Bearer', 'raw-ky': 'raw ky (Bearer, no auth logic)' };
  const ms = (us) => (us / 1000).toFixed(3);
  const signed = (v) => (v < 0 ? `−${ms(-v)}` : ms(v));
  const range = (s, f = ms) => `${f(s.median)} (${f(s.low)} to ${f(s.high)})`;
  const over = (r, key) => (r.client === 'tokenflight-dpop' ? `+${range(r[key], signed)}` : '—');
  const modes = c.modes.map((m) => `${m.concurrency === 1 ? 'one at a time' : `at concurrency ${m.concurrency}`} (${n(m.perRound)} GETs per client per round)`).join(', then ');
  return [
    '',
    '## DPoP: cost per request',
    '',
    `One server with DPoP on (\`createAuthServer({ dpop: {} })\`: it checks every proof, binds the tokens of a login made with one, and sends no nonce), three clients signed in on it: tokenflight with \`dpop: dpop({ keys: webCryptoKeys({ store: memoryKeyStore() }) })\` (an ES256 key, non-extractable, in memory: Node's default), the same client without it (Bearer) and raw ky with a fixed Bearer header. GETs with a valid token, ${modes}, in ${c.modes[0].rounds} interleaved rounds (plus one warm-up round) with a rotating order. Figures are per request, in ms: the median over rounds, with the lowest and highest round in brackets (on a loaded machine the rounds spread widely: compare within one run). "Wall" one at a time is a request's latency; at concurrency it is the run's time divided by its requests. CPU is the client process' own CPU time (the server, which verifies each proof, runs in another process). "Over Bearer" is, round by round, the client's figure minus tokenflight-with-Bearer's: what DPoP itself adds (a SHA-256 of the token for \`ath\`, an ES256 signature, a larger \`Authorization\` plus a \`DPoP\` header, and the server's verification in the wall time).`,
    '',
    'Re-run it alone: `npm run bench -- --only dpop` (about 90 s on the 2-core machine; add `--write` to merge its figures into this page). The quick run CI makes leaves it out; `npm run bench -- --quick --only dpop` runs a small one.',
    ...(separate ? ['', `This section comes from a separate run (\`npm run bench -- --only dpop --write\`): ${separateRun(separate)}.`] : []),
    '',
    table(['requests', 'client', 'wall per request (ms)', 'wall over Bearer (ms)', 'client CPU per request (ms)', 'CPU over Bearer (ms)', 'wall ÷ raw ky', 'CPU ÷ raw ky', 'failures'],
      d.rows.map((r) => [r.concurrency === 1 ? 'one at a time' : `concurrency ${r.concurrency}`, labels[r.client] ?? r.client, range(r.wallUsPerRequest), over(r, 'wallUsOverBearer'), range(r.cpuUsPerRequest), over(r, 'cpuUsOverBearer'), `${r.wallRatio.toFixed(3)}×`, `${r.cpuRatio.toFixed(3)}×`, n(r.failures)]), 2),
    '',
    `Proofs accepted by the server: ${n(d.proofsAccepted)} for ${n(d.dpopSent)} DPoP requests (warm-up included); rejected: ${n(Object.values(d.proofsRejected ?? {}).reduce((a, b) => a + b, 0))}.`,
    '',
    `One-off costs (${d.oneOff.alg}, in the client process, median with lowest to highest): creating a key (\`webCryptoKeys().load()\` of a new name: generate the pair, export the public JWK, store it) ${range(d.oneOff.keyMs, (v) => v.toFixed(3))} ms over ${n(d.oneOff.keySamples)} keys; one proof (the \`ath\` hash, header and claims, the signature, as \`src/dpop/proof.ts\` builds it) ${range(d.oneOff.proofMs, (v) => v.toFixed(3))} ms over ${n(d.oneOff.proofSamples)} proofs. A client loads its key once, at its first DPoP send.`,
  ];
}

export function renderMarkdown(results, labels) {
  const { machine, config } = results;
  const label = (row) => bold(row, labels[row.client] ?? row.client);
  const modeName = { visible: 'visibly expired token', server: 'token expired early by the server' };
  const out = [
    '# Benchmarks',
    '',
    `tokenflight against raw ky and the token-refresh code people use today, on one reference auth server (\`tokenflight/testing\`) served over HTTP on 127.0.0.1 from a separate process, with ${config.refreshLatencyMs} ms of latency on every refresh call. Every number below comes from \`bench/results.json\` of one run; the run writes this page.`,
    '',
    `Reproduce: \`npm ci && npm run build && npm run bench\` (full run, about 6 minutes) — or \`npm run bench -- --quick\` for the small variant CI runs, which checks the counts and exits non-zero when tokenflight misses them. One scenario alone: \`npm run bench -- --only outage\` (or storm, bodies, overhead, steady, memory, size, dpop; a comma-separated list works too), which prints its figures and writes nothing unless given \`--write\`, which merges them into this page.`,
    '',
    '![Storm and overhead chart](benchmarks.svg)',
    '',
    '## Machine',
    '',
    table(['', ''], [
      ['CPU', `${machine.cpu} × ${machine.cores} cores`],
      ['Memory', `${machine.memoryGiB} GiB`],
      ['OS', machine.os],
      ['Load average at start (1/5/15 min)', machine.loadAverageAtStart.join(' / ')],
      ['Node', machine.node],
      ...Object.entries(machine.packages).map(([name, version]) => [name, version]),
      ['tokenflight source', gitText(machine.git)],
      ['Run', `${machine.date} · ${config.mode} · ${Math.round(results.durationMs / 1000)} s`],
      ...Object.entries(results.separateRuns ?? {}).map(([name, run]) => [`Run of ${name} alone (merged in)`, separateRun(run)]),
    ], 2),
    '',
    '## The bar',
    '',
    'Count checks decide the exit code; timing, memory and size checks depend on the machine and are reported only.',
    '',
    table(['scenario', 'check', 'kind', 'measured', 'met'], barRows(results.bar), 5),
  ];
  for (const mode of ['visible', 'server']) {
    const rows = results.storm.filter((r) => r.mode === mode);
    out.push('', `## Storm: ${modeName[mode]}`, '');
    out.push(mode === 'visible'
      ? `Each client logs in on a server issuing ${config.visibleTtl} s access tokens and waits until the token has expired (the client could know from \`expires_in\`/\`exp\`), then fires N concurrent GETs.`
      : 'Each client logs in with a long-lived token; the server then expires it (`POST /__tokenflight/expire`) and the client fires N concurrent GETs. Every request sent with the old token gets a 401, whatever the client: what matters is refreshes and failures (requests that leave after the refresh landed carry the new token, so fewer than N 401s is possible).');
    out.push('', table(['N', 'client', 'refresh calls', '401s served', 'failures', 'reuse detections', 'wall (ms)', 'failure causes'],
      rows.map((r) => (r.skipped ? [n(r.n), label(r), 'not run¹', '', '', '', '', ''] : [n(r.n), label(r), n(r.refreshCalls), n(r.unauthorized), n(r.failures), n(r.reuseDetections), n(r.wallMs), causes(r.errors)]))));
    if (rows.some((r) => r.skipped)) out.push('', '¹ The README recipe makes one refresh call per 401 (N ≤ 1,000 shows it); its N = 10,000 run alone would take about half a minute of the 5-minute budget.');
  }
  out.push('', '## Bodies', '', `${config.bodies} concurrent POSTs to \`/api/echo\`, each with a distinct JSON body, across an expiry. "Received" counts how many times the server got each body (counter \`requestsPerBody\`).`, '');
  out.push(table(['expiry', 'client', 'failures', 'wrong echoes', 'received once', 'twice', 'more', 'never', 'refresh calls', '401s served'],
    results.bodies.map((r) => [r.mode === 'visible' ? 'visible' : 'server-side', label(r), n(r.failures), n(r.wrongEchoes), n(r.receivedOnce), n(r.receivedTwice), n(r.receivedMore), n(r.receivedNever), n(r.refreshCalls), n(r.unauthorized)])));
  if (results.overhead) out.push(...overheadSection(results, label));
  out.push('', '## Steady expiry', '', `${config.steadyTtl} s access tokens, ${config.steady.durationMs / 1000} s of GETs at concurrency ${config.steady.concurrency}. tokenflight runs with its background refresh on (the default). The reference server rounds \`exp\` up to a whole second, so it accepts a 1 s token for 1 to 2 s: clients that refresh only on a 401 refresh about every 2 s.`, '');
  out.push(table(['client', 'requests', 'failures', '401s served', 'refresh calls', 'duration ÷ lifetime', 'reuse detections', 'failure causes'],
    results.steady.map((r) => [label(r), n(r.requests), n(r.failures), n(r.unauthorized), n(r.refreshCalls), n(r.expectedRefreshCalls), n(r.reuseDetections), causes(r.errors)])));
  out.push(...outageSection(results, label));
  out.push(...dpopSection(results));
  if (results.memory.length > 0) {
    const m = config.memory;
    out.push('', '## Memory', '', `One client in its own process (\`--expose-gc\`, full GC before each reading). Warm-up: ${n(m.warmupRequests)} GETs and ${m.warmupCycles} refresh cycles; then ${n(m.requests)} GETs at concurrency ${m.concurrency} with ${n(m.cycles)} refresh cycles spread among them: one in four a server-side expiry (401s, one refresh, replays), the others a manual \`refresh()\` racing the traffic. Heap is read after warm-up, halfway and at the end; timers are the process' active \`Timeout\` handles.`, '');
    out.push(table(['client', 'GETs', 'refresh cycles', 'refresh calls (incl. warm-up)', 'heap after warm-up (MiB)', 'halfway (MiB)', 'end (MiB)', 'growth (MiB)', 'timers', 'failures'],
      results.memory.map((r) => [label(r), n(r.requests), n(r.refreshCycles), n(r.refreshCalls), n(r.heapWarmMiB), n(r.heapHalfMiB), n(r.heapAfterMiB), n(r.growthMiB), `${r.timersWarm} → ${r.timersAfter}`, n(r.failures)])));
  }
  out.push(...sizeSection(results));
  out.push('', '## How the comparators are set up', '',
    '- **raw ky**: `ky.create()` with a fixed Bearer header; no refresh logic (overhead, memory and size only).',
    '- **ky, hand-written single-flight** (`bench/clients/ky-single-flight.mjs`): ky\'s README pattern (afterResponse 401 → refresh → `ky.retry`) with one shared refresh promise, stale-401 detection and `delay: 0` — the best a careful user writes. Like any 401-driven code it never looks at the expiry, so an expired token is always sent once.',
    '- **ky README recipe** (`bench/clients/ky-readme.mjs`): the afterResponse example of ky\'s README as written: one refresh per 401, `ky.retry()` with ky\'s default delay.',
    '- **axios + axios-auth-refresh** (`bench/clients/axios-auth-refresh.mjs`): set up as its README shows, default options (`deduplicateRefresh: true`); axios uses its `fetch` adapter so every client shares one HTTP stack.',
    '- **tokenflight**: `createAuthClient({ baseUrl, autoRefresh, deviceInfo: false })`, `autoRefresh: false` in storms and bodies (so nothing refreshes before the storm), `true` in steady expiry, memory and outage.',
    '- After a storm of 10,000 requests the bench waits 5.5 s, until the server has closed the idle keep-alive connections, so that the next storm does not start on sockets being closed.',
    `- Every client gets the same ${n(config.timeoutMs)} ms per-request timeout, so loopback queueing at N = 10,000 is not counted as an auth failure. The server rotates refresh tokens strictly: reusing one revokes its whole session.`,
    '');
  return out.join('\n');
}
