/**
 * What the real-Chromium tests share: the browser, a page script bundled from src with esbuild, and a
 * tiny static server for it on its own loopback port (another origin than the API, so every API call is
 * cross-origin, as in production). `useChromium` wires all of it into a describe block; `signedInTabs`
 * opens the many-tab harness of page.ts.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AuthServer, ListeningServer } from '../../src/testing';

export const CHROMIUM = '/usr/bin/chromium';
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WAIT = { polling: 20, timeout: 10_000 };
/** The storage key of the pages' session (the client's default). */
export const KEY = 'tokenflight.session';
/** The access-token lifetime (seconds) the many-tab tests give the server. */
export const TTL = 60;

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

/** One test's API server and browser context, both closed after the test. */
export interface ChromiumTest {
  readonly api: ListeningServer;
  /** A fresh context: empty localStorage, sessionStorage, IndexedDB and cookies. */
  readonly context: BrowserContext;
  /** The page address: `/` with `?api=<api url>/` and `params` (e.g. `&mode=code`) appended. */
  readonly url: string;
}

export interface ChromiumSuite {
  /** The origin the page script is served from (`site.url`, known once the block has started). */
  readonly site: { readonly url: string };
  /** Starts `server` on loopback and opens a fresh browser context for the current test. */
  start(server: AuthServer, params?: string): Promise<ChromiumTest>;
  /** A new page of the current test's context; an uncaught error in it fails the test (reported as `label: message`). */
  newPage(label?: string): Promise<Page>;
}

/**
 * Registers the hooks of a real-Chromium describe block: Chromium launched and `pageScript` bundled and
 * served once for the block; after each test its context and API server closed, and no page error allowed.
 * Call it inside a `describe.skipIf(browserAvailability(...).skip)`: when it runs, Chromium is required.
 */
export function useChromium(pageScript: URL): ChromiumSuite {
  let browser: Browser | undefined;
  let site: Site | undefined;
  let current: { api: ListeningServer; context: BrowserContext } | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is required (TOKENFLIGHT_BROWSER=required) but missing: apt-get install -y chromium`);
    const [script, launched] = await Promise.all([bundle(pageScript), chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS })]);
    browser = launched;
    site = await serveSite(script);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    const test = current;
    current = undefined;
    await test?.context.close();
    await test?.api.close();
    expect(pageErrors.splice(0)).toEqual([]);
  });

  const started = () => {
    if (browser === undefined || site === undefined) throw new Error('Chromium is not started: call useChromium inside the describe block');
    return { browser, site };
  };

  return {
    site: {
      get url() {
        return started().site.url;
      },
    },
    async start(server, params = '') {
      const { browser, site } = started();
      const api = await server.listen();
      const context = await browser.newContext();
      current = { api, context };
      return { api, context, url: `${site.url}/?api=${encodeURIComponent(`${api.url}/`)}${params}` };
    },
    async newPage(label) {
      if (current === undefined) throw new Error('no browser context: call start() first');
      const page = await current.context.newPage();
      page.on('pageerror', (error) => pageErrors.push(label === undefined ? error.message : `${label}: ${error.message}`));
      return page;
    },
  };
}

/** Tab `i` of `pages`; throws when there is none. */
export const tab = (pages: readonly Page[], i: number): Page => {
  const page = pages[i];
  if (!page) throw new Error(`no tab ${i}`);
  return page;
};

/** The session the page's storage holds under `KEY` (null when none). */
export const stored = (page: Page): Promise<string | null> => page.evaluate((key) => localStorage.getItem(key), KEY);

/**
 * `n` tabs of page.ts (`window.harness`) in a fresh context against `server` (whose access tokens live
 * `TTL` seconds), signed in from the first; `params` are appended to each tab's query string.
 */
export async function signedInTabs(suite: ChromiumSuite, server: AuthServer, n: number, params = '') {
  const { url } = await suite.start(server, params);
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const page = await suite.newPage(`tab ${i}`);
    await page.goto(url);
    await page.evaluate(() => window.harness.ready());
    pages.push(page);
  }
  await tab(pages, 0).evaluate(() => window.harness.login());
  await Promise.all(pages.map((p) => p.waitForFunction(() => window.harness.session().status === 'authenticated', undefined, WAIT)));
  let skew = 0;
  return {
    server,
    pages,
    /** Moves the server's and every open tab's clock forward: the access tokens are expired on both sides. */
    async expireTokens(ms = (TTL + 1) * 1000) {
      skew += ms;
      server.setClockOffset(skew);
      await Promise.all(pages.filter((p) => !p.isClosed()).map((p) => p.evaluate((by) => window.harness.skew(by), ms)));
    },
    /** After a reload the tab's clock starts from the real time again: give it the skew the server has. */
    resync: (page: Page) => page.evaluate((by) => window.harness.skew(by), skew),
  };
}
