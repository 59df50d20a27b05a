// outage: one signed-in client sends GETs at a steady rate (open loop, 50/s) on short-lived access
// tokens. After a lead-in, the refresh endpoint goes down (503 with no Retry-After) for N s while
// the requests keep coming, then it comes back. The lead-in is shorter than half the token's
// lifetime, so every client's first refresh attempt falls in the outage. Per client: refresh calls
// while down (per second, and the peak over ~1 s), failed requests before / during / after the
// outage (by when the request started), the time from recovery to the first successful request
// started after it, and the failures of requests started once that one had succeeded (the client's
// own trouble, not the outage's: an expiry race, a revoked session).
// Every run (client × outage length) has its own server process (its own counters) and its own
// client process (scenarios/outage-process.mjs). The clients run at once, one outage length after
// the other: the scenario takes the outages' time, not four times it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AUTH_CLIENTS } from '../clients/index.mjs';
import { startServer } from '../lib/server.mjs';

const SCRIPT = fileURLToPath(new URL('./outage-process.mjs', import.meta.url));
/** Beyond the run's own length: process start, login, settling. */
const SLACK_MS = 60_000;

export async function outage({ outagesS, afterS, ttl, rate, leadInMs }, log) {
  const rows = [];
  for (const [k, outageS] of outagesS.entries()) {
    const run = { outageS, afterS: afterS[k], ttl, rate, leadInMs };
    const settled = await Promise.allSettled(AUTH_CLIENTS.map((entry) => outageRun(entry, run)));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const { value } of settled) {
      rows.push(value);
      log(value);
    }
  }
  return rows;
}

async function outageRun(entry, run) {
  const server = await startServer(run.ttl);
  try {
    return await runChild(server.url, entry.name, run, run.leadInMs + (run.outageS + run.afterS) * 1000 + SLACK_MS);
  } finally {
    await server.stop();
  }
}

function runChild(url, name, run, limitMs) {
  return new Promise((resolve, reject) => {
    const child = fork(SCRIPT, [url, name, JSON.stringify(run)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`outage run of ${name} exceeded ${limitMs} ms`));
    }, limitMs);
    child.on('message', (message) => (result = message));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`outage run of ${name} exited with ${code} and no result`));
    });
  });
}
