// Parent side of the auth server: spawns lib/server-process.mjs and drives it through its
// HTTP control endpoints (/__tokenflight/*). Every request stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./server-process.mjs', import.meta.url));
/** Refresh endpoint latency of every run, injected as a server fault. */
export const REFRESH_LATENCY_MS = 20;
const FAULT_TIMES = 100_000;
/** Generous: on a loaded machine a Node process can take seconds to start, and to answer. */
const START_TIMEOUT_MS = 30_000;
const CONTROL_TIMEOUT_MS = 30_000;
/** What the refresh endpoint answers during an outage: a bare 503, no Retry-After. */
const OUTAGE_FAULT = { type: 'status', status: 503, body: 'Service Unavailable', headers: { 'content-type': 'text/plain' } };

/**
 * One control call, on a connection of its own (`agent: false`): never a pooled keep-alive socket
 * that the server may be closing as it is reused (the clients' pools go idle while they back off).
 */
function control(url, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/__tokenflight/${path}`, {
      method,
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: CONTROL_TIMEOUT_MS,
    });
    const fail = (error) => reject(new Error(`control ${method} ${path} on ${url}: ${error.message}`, { cause: error }));
    request.on('timeout', () => request.destroy(new Error(`no answer within ${CONTROL_TIMEOUT_MS} ms`)));
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        if (response.statusCode < 200 || response.statusCode > 299) return reject(new Error(`control ${method} ${path}: HTTP ${response.statusCode}`));
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(response.statusCode === 204 || text === '' ? undefined : JSON.parse(text));
        } catch (error) {
          fail(error);
        }
      });
    });
    request.end(payload);
  });
}

/**
 * Starts a server process with `ttl`-second access tokens (and `options`, more createAuthServer
 * options as JSON, e.g. `{ dpop: {} }`); resolves once it listens.
 */
export async function startServer(ttl, options) {
  const child = spawn(process.execPath, [SCRIPT, String(ttl), ...(options === undefined ? [] : [JSON.stringify(options)])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never said where it listens must not keep this process alive.
      child.kill('SIGKILL');
      reject(new Error(`auth server did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`auth server exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).url);
    });
  });
  const server = controlled(url, ttl, child.pid, stop);
  try {
    if (!url.startsWith('http://127.0.0.1:')) throw new Error(`auth server is not on loopback: ${url}`);
    await server.reset();
  } catch (error) {
    await stop();
    throw error;
  }
  return server;
}

/**
 * A server driven through its control endpoints. Without `stop`, it is one that another process
 * started (a child process of a scenario drives its run's server this way).
 */
export function controlled(url, ttl, pid = null, stop = async () => undefined) {
  const armLatency = () => control(url, 'POST', 'faults', { endpoint: 'refresh', fault: { type: 'delay', ms: REFRESH_LATENCY_MS }, times: FAULT_TIMES });
  return {
    url,
    ttl,
    pid,
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
    stop,
  };
}
