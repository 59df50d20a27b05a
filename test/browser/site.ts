/**
 * What the real-browser tests share: the Chromium to drive, the tab script bundled from src with
 * esbuild, and a static server that serves it on its own loopback port (another origin than the API).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const CHROMIUM = '/usr/bin/chromium';
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const available = existsSync(CHROMIUM);
/** TOKENFLIGHT_BROWSER=required: a missing browser fails the run (CI) instead of skipping. */
export const required = process.env['TOKENFLIGHT_BROWSER'] === 'required';
if (!available && !required) {
  console.warn(`[browser tests] SKIPPED: ${CHROMIUM} not found. Install it with \`apt-get install -y chromium\` to run the real-browser tests.`);
}

/** Bundles the tab script (tokenflight from src + the harness) for the browser. */
export async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no output');
  return file.text;
}

/** A tiny static server for the page and its script, on its own port (another origin than the API). */
export async function serveSite(script: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = '<!doctype html><meta charset="utf-8"><title>tokenflight tab</title><script src="/page.js"></script>';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script);
    else if (path === '/') res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

