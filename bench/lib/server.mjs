// Parent side of the auth server: spawns lib/server-process.mjs and drives it through its
// HTTP control endpoints (/__tokenflight/*). Every request stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./server-process.mjs', import.meta.url));
/** Refresh endpoint latency of every run, injected as a server fault. */
export const REFRESH_LATENCY_MS = 20;
const FAULT_TIMES = 100_000;
/** What the refresh endpoint answers during an outage: a bare 503, no Retry-After. */
const OUTAGE_FAULT = { type: 'status', status: 503, body: 'Service Unavailable', headers: { 'content-type': 'text/plain' } };

async function control(url, method, path, body) {
  const response = await fetch(`${url}/__tokenflight/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`control ${method} ${path}: HTTP ${response.status}`);
  return response.status === 204 ? undefined : response.json();
}

/** Starts a server process with `ttl`-second access tokens; resolves once it listens. */
export async function startServer(ttl) {
  const child = spawn(process.execPath, [SCRIPT, String(ttl)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('auth server did not start within 15 s')), 15_000);
    child.once('exit', (code) => reject(new Error(`auth server exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).url);
    });
  });
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`auth server is not on loopback: ${url}`);

  const armLatency = () => control(url, 'POST', 'faults', { endpoint: 'refresh', fault: { type: 'delay', ms: REFRESH_LATENCY_MS }, times: FAULT_TIMES });
  const server = {
    url,
    ttl,
    pid: child.pid,
    counters: () => control(url, 'GET', 'counters'),
    expire: () => control(url, 'POST', 'expire', {}),
    /** Zeroes the counters and re-arms the refresh latency (a FIFO of FAULT_TIMES delays). */
    async reset() {
      await control(url, 'DELETE', 'faults');
      await armLatency();
      await control(url, 'POST', 'reset', {});
    },
    /**
     * An outage of the refresh endpoint: from now on every refresh call is answered 503 with no
     * Retry-After (still counted in `refreshCalls`), until refreshUp(). Resolves with the
     * performance.now() at which the outage is in force.
     */
    async refreshDown() {
      await control(url, 'DELETE', 'faults');
      await control(url, 'POST', 'faults', { endpoint: 'refresh', fault: OUTAGE_FAULT, times: FAULT_TIMES });
      return performance.now();
    },
    /** Ends the outage (counters are kept); resolves with the performance.now() at which refresh calls are served again. */
    async refreshUp() {
      await control(url, 'DELETE', 'faults');
      const at = performance.now();
      await armLatency();
      return at;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end();
      }),
  };
  await server.reset();
  return server;
}
