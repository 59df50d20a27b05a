// Machine, runtime and package versions, recorded with every run.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { packageVersion } from '../scenarios/size.mjs';

export const PACKAGES = ['tokenflight', 'ky', 'jwt-decode', 'mitt', 'axios', 'axios-auth-refresh', 'esbuild'];

/** The commit measured, and whether the working tree differed from it. */
function gitState() {
  try {
    const run = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: run('rev-parse', '--short', 'HEAD'), modified: run('status', '--porcelain', '--', 'src').length > 0 };
  } catch {
    return null;
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
    git: gitState(),
    loadAverageAtStart: os.loadavg().map((value) => Number(value.toFixed(2))),
    date: new Date().toISOString(),
  };
}
