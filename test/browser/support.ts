/**
 * What the real-Chromium tests share: the browser, a page script bundled from src with esbuild, and a
 * tiny static server for it on its own loopback port (another origin than the API, so every API call is
 * cross-origin, as in production).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const CHROMIUM = '/usr/bin/chromium';
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WAIT = { polling: 20, timeout: 10_000 };

/** Whether the browser tests run: skipped without Chromium unless TOKENFLIGHT_BROWSER=required (CI), where a missing browser fails. */
export function browserAvailability(what: string): { available: boolean; required: boolean; skip: boolean } {
  const available = existsSync(CHROMIUM);
  const required = process.env['TOKENFLIGHT_BROWSER'] === 'required';
  if (!available && !required) console.warn(`[browser tests] SKIPPED: ${CHROMIUM} not found. Install it with \`apt-get install -y chromium\` to run the real-browser ${what} tests.`);
  return { available, required, skip: !available && !required };
}

/** Bundles a page script (tokenflight from src + its harness) for the browser. */
export async function bundle(entry: URL): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
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

export interface Site {
  url: string;
  close(): Promise<void>;
}

/** Serves `/page.js` and, at every other path (`/`, `/callback`...), the HTML page that loads it. */
export async function serveSite(script: string): Promise<Site> {
  const html = '<!doctype html><meta charset="utf-8"><title>tokenflight tab</title><script src="/page.js"></script>';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script);
    else if (path === '/favicon.ico') res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(html);
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
