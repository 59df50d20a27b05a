import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src';
import { unrefTimer } from '../../src/lifecycle/clock';

/** Longest the child may live before it is killed; a leaked timer would keep it alive for minutes. */
const KILL_AFTER_MS = 45_000;

function run(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe('a Node process that signs in', () => {
  it('exits on its own, without dispose(): neither the refresh timer nor the revocation retries keep it alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenflight-exit-'));
    try {
      const script = join(dir, 'sign-in-and-exit.mjs');
      // The current sources, bundled (never a stale dist/); msw's CommonJS parts need `require`.
      await build({
        entryPoints: [fileURLToPath(new URL('./fixtures/sign-in-and-exit.ts', import.meta.url))],
        outfile: script,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        logLevel: 'silent',
        banner: { js: "import { createRequire as __tfRequire } from 'node:module'; const require = __tfRequire(import.meta.url);" },
      });
      const result = await run(script);
      expect(result.stderr).toBe('');
      expect(result.signal).toBeNull();
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ sub: 'ada', revoked: false, kept: 'authenticated', left: 'unauthenticated' });
      // The revocation's first retry is 30-60 s away and the refresh timer 270 s: exiting well before either proves neither held the process.
      expect(result.ms).toBeLessThan(25_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('unrefTimer unreferences Node timer handles and leaves other handles alone', () => {
    const handle = unrefTimer(systemClock.setTimeout(() => undefined, 60_000)) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
    expect(unrefTimer(42)).toBe(42);
    expect(unrefTimer(undefined)).toBeUndefined();
  });
});
