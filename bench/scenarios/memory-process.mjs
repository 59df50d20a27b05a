// Child process (run with --expose-gc): heap of one client after a warm-up, halfway, and at the end
// of `requests` GETs at `concurrency` with `cycles` refresh cycles spread evenly among them. A cycle
// is one of the two ways a refresh happens: every fourth, the server expires the access token
// (POST /__tokenflight/expire: the next requests get 401s, the client refreshes and replays); the
// others, a manual refresh racing the traffic (clients that have one; the others expire again).
// Sends the result to the parent over IPC.
import { CLIENTS, createClient } from '../clients/index.mjs';
import { runPool, sleep } from '../lib/util.mjs';

const [url, name, rawConfig] = process.argv.slice(2);
const { requests, cycles, warmupRequests, warmupCycles, concurrency } = JSON.parse(rawConfig);
const entry = CLIENTS.find((candidate) => candidate.name === name);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
process.on('disconnect', () => process.exit(1));

const expire = () => fetch(`${url}/__tokenflight/expire`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer());

async function heap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

const client = createClient(entry, url, { autoRefresh: true });
let failures = 0;

async function phase(total, refreshCycles) {
  const perCycle = Math.ceil(total / Math.max(1, refreshCycles));
  for (let done = 0, cycle = 0; done < total; done += perCycle, cycle++) {
    let manual;
    if (entry.refresh && cycle < refreshCycles) {
      if (cycle % 4 !== 0 && client.refresh) manual = client.refresh().catch(() => failures++);
      else await expire();
    }
    failures += (await runPool(Math.min(perCycle, total - done), concurrency, () => client.get('api/me'))).failures;
    await manual;
  }
}

await client.login();
await phase(warmupRequests, entry.refresh ? warmupCycles : 0);
const heapWarm = await heap();
const timersWarm = timers();
const started = Date.now();
const half = entry.refresh ? cycles / 2 : 0;
await phase(requests / 2, half);
const heapHalf = await heap();
await phase(requests / 2, half);
const elapsedMs = Date.now() - started;
const heapAfter = await heap();
const timersAfter = timers();
client.dispose();
process.send({ heapWarm, heapHalf, heapAfter, timersWarm, timersAfter, failures, elapsedMs }, () => process.exit(0));
