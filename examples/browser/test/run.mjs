// Builds the browser example, serves it on 127.0.0.1, clicks through it in Chromium (two tabs) and
// saves artifacts/browser-example.png. Run from the repository root: `npm run test:browser-example`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveStatic } from './static-server.mjs';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../../artifacts/browser-example.png', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STEP_MS = 15_000;

const deadline = setTimeout(() => {
  console.error('browser example: timed out after 120 s');
  process.exit(1);
}, 120_000);
deadline.unref();

const step = (name) => console.log(`ok   ${name}`);

/** Waits until the text of `selector` matches `pattern`. */
const waitText = (page, selector, pattern) =>
  page.waitForFunction(([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ''), [selector, pattern.source], {
    timeout: STEP_MS,
  });

/** Waits for a timeline line of `kind` whose text matches `pattern`. */
const waitLine = (page, kind, pattern) =>
  page.waitForFunction(
    ([k, source]) => [...document.querySelectorAll(`#timeline li[data-event="${k}"]`)].some((li) => new RegExp(source).test(li.textContent ?? '')),
    [kind, pattern.source],
    { timeout: STEP_MS },
  );

const lines = (page, kind) => page.locator(`#timeline li[data-event="${kind}"]`).count();

/** Waits, across the page's navigations, for a `redirect-login` timeline line matching `pattern`. */
async function settled(page, pattern) {
  const until = Date.now() + STEP_MS;
  for (;;) {
    const found = await page
      .evaluate((source) => [...document.querySelectorAll('#timeline li[data-event="redirect-login"]')].some((li) => new RegExp(source).test(li.textContent ?? '')), pattern.source)
      .catch(() => false); // the page was navigating
    if (found) return;
    if (Date.now() > until) throw new Error(`timed out waiting for "${pattern.source}" at ${page.url()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// 1. Worker script (matching the installed msw), then the production build
const mswCli = join(dirname(createRequire(import.meta.url).resolve('msw/package.json')), 'cli/index.js');
execFileSync(process.execPath, [mswCli, 'init', join(EXAMPLE, 'public'), '--no-save'], { stdio: 'ignore', timeout: 30_000 });
await build({ configFile: join(EXAMPLE, 'vite.config.ts'), logLevel: 'warn' });
step('vite build');

const site = await serveStatic(join(EXAMPLE, 'dist'));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
const pageErrors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 980 } });
  context.on('page', (page) => page.on('pageerror', (error) => pageErrors.push(error.message)));
  const one = await context.newPage();
  await one.goto(site.url, { timeout: STEP_MS });
  await one.waitForSelector('body[data-ready="true"]', { timeout: STEP_MS });
  await waitText(one, '#status', /^unauthenticated$/);
  await waitText(one, '#role', /^server host/);
  step('tab 1 ready, hosting the reference server in its service worker');

  await one.click('#login');
  await waitText(one, '#status', /^authenticated$/);
  await waitLine(one, 'session:start', /login, generation 1/);
  await waitText(one, '#expires', /^in \d+:\d\d$/);
  await waitText(one, '#user', /^ada$/);
  step('login: session:start, generation 1, expiry countdown');

  await one.click('#expire');
  await waitLine(one, 'expire', /rejects every access token/);
  await one.click('#burst');
  await waitLine(one, 'burst', /^.*50\/50 ok in \d+ ms, 1 refresh, \d+ 401s$/);
  await waitLine(one, 'session:refresh', /generation 2 by this tab/);
  await waitText(one, '#generation', /^2$/);
  await waitText(one, '[data-counter="refreshCalls"]', /^1$/);
  step('expire + burst of 50: all succeed after exactly one refresh');

  const [two] = await Promise.all([context.waitForEvent('page', { timeout: STEP_MS }), one.click('#open-tab')]);
  await two.waitForSelector('body[data-ready="true"]', { timeout: STEP_MS });
  await waitText(two, '#status', /^authenticated$/);
  await waitText(two, '#role', /^follower/);
  await waitLine(two, 'session:start', /storage, generation 2/);
  step('tab 2 opened: same session from storage, requests forwarded to tab 1');

  await two.click('#burst');
  await waitLine(two, 'burst', /50\/50 ok in \d+ ms, 0 refresh, 0 401s/);
  await one.click('#expire');
  await waitLine(one, 'expire', /rejects/);
  await two.click('#burst');
  await waitLine(two, 'burst', /50\/50 ok in \d+ ms, 1 refresh/);
  await waitLine(one, 'session:refresh', /generation 3 by another tab/);
  await waitText(one, '#generation', /^3$/);
  await waitText(one, '[data-counter="refreshCalls"]', /^2$/);
  await waitText(one, '[data-counter="reuseDetections"]', /^0$/);
  step('tab 2 refreshed once; tab 1 followed (generation 3), no reuse detected');

  await two.click('#logout');
  await waitText(two, '#status', /^unauthenticated$/);
  await waitText(one, '#status', /^unauthenticated$/);
  await waitLine(one, 'session:end', /seen by another tab/);
  assert.equal(await lines(one, 'session:end'), 1, 'exactly one session:end in tab 1');
  step('logout in tab 2 ends the session in tab 1 (one session:end)');

  // Sign in with redirect from tab 2 (it does not host the server): the page goes to the provider's
  // authorization endpoint (automatic consent), comes back with a code, exchanges it; tab 1 follows.
  const visited = [];
  two.on('framenavigated', (frame) => frame === two.mainFrame() && visited.push(frame.url()));
  await two.click('#redirect-login');
  await settled(two, /signed in as Ada Lovelace \(code flow\)/);
  await waitText(two, '#status', /^authenticated$/);
  await waitText(two, '#user', /^Ada Lovelace$/);
  const callback = visited.map((url) => new URL(url)).find((url) => url.searchParams.has('code'));
  assert.ok(callback?.searchParams.get('state') && callback.searchParams.get('iss') === 'https://auth.test', `came back with code, state and iss: ${visited.join(' ')}`);
  assert.equal(new URL(two.url()).search, '', 'the code and state left the address bar');
  await waitText(one, '#status', /^authenticated$/);
  await waitText(one, '#user', /^Ada Lovelace$/);
  await waitText(one, '[data-counter="codesExchanged"]', /^1$/);
  step('sign in with redirect (tab 2): authorize, callback, code exchanged; the address bar is clean, tab 1 follows');

  // From tab 1, which hosts the in-browser server: the round trip runs in a new tab, tab 1 stays.
  const [three] = await Promise.all([context.waitForEvent('page', { timeout: STEP_MS }), one.click('#redirect-login')]);
  await waitLine(one, 'redirect-login', /redirect runs in a new tab/);
  await settled(three, /signed in as Ada Lovelace \(code flow\)/);
  assert.equal(new URL(three.url()).search, '', 'the code and state left the address bar');
  await waitText(one, '[data-counter="codesExchanged"]', /^2$/);
  await waitText(one, '#status', /^authenticated$/);
  await waitLine(one, 'session:end', /reason "replaced"/);
  await three.close();
  step('sign in with redirect from the host tab: the round trip ran in a new tab, the session replaced the previous one everywhere');
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await one.screenshot({ path: SCREENSHOT, fullPage: true });
  step(`screenshot saved to ${SCREENSHOT}`);

  assert.deepEqual(pageErrors, [], 'no uncaught error in any page');
  console.log('browser example: all steps passed');
} finally {
  await browser.close();
  await site.close();
}
