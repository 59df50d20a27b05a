// memory: runs scenarios/memory-process.mjs in its own process (so its heap holds nothing but one
// client) and adds the server's counters for the run.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLIENTS } from '../clients/index.mjs';
import { round } from '../lib/util.mjs';

const SCRIPT = fileURLToPath(new URL('./memory-process.mjs', import.meta.url));
const MIB = 1024 * 1024;

function runChild(url, name, config, limitMs) {
  return new Promise((resolve, reject) => {
    const child = fork(SCRIPT, [url, name, JSON.stringify(config)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`memory run of ${name} exceeded ${limitMs} ms`));
    }, limitMs);
    child.on('message', (message) => (result = message));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`memory run of ${name} exited with ${code} and no result`));
    });
  });
}

export async function memory(server, config, names, log) {
  const rows = [];
  for (const name of names) {
    const entry = CLIENTS.find((candidate) => candidate.name === name);
    await server.reset();
    const result = await runChild(server.url, name, config, config.limitMs);
    const counters = await server.counters();
    rows.push({
      scenario: 'memory',
      client: name,
      requests: config.requests,
      refreshCycles: entry.refresh ? config.cycles : 0,
      heapWarmMiB: round(result.heapWarm / MIB, 2),
      heapHalfMiB: round(result.heapHalf / MIB, 2),
      heapAfterMiB: round(result.heapAfter / MIB, 2),
      growthMiB: round((result.heapAfter - result.heapWarm) / MIB, 2),
      timersWarm: result.timersWarm,
      timersAfter: result.timersAfter,
      failures: result.failures,
      refreshCalls: counters.refreshCalls,
      elapsedMs: result.elapsedMs,
    });
    log(rows.at(-1));
  }
  return rows;
}
