// Builds the React example, serves it on 127.0.0.1 and signs in and out in Chromium.
// Run from the repository root: `npm run test:react-example`.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveStatic } from '../../browser/test/static-server.mjs';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STEP = { timeout: 15_000 };
const deadline = setTimeout(() => {
  console.error('react example: timed out after 90 s');
  process.exit(1);
}, 90_000);
deadline.unref();

await build({ configFile: join(EXAMPLE, 'vite.config.ts'), logLevel: 'error' });
const site = await serveStatic(join(EXAMPLE, 'dist'));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS, timeout: 30_000 });
const errors = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(site.url, STEP);
  await page.getByRole('button', { name: 'Sign in' }).click(STEP);
  await page.getByRole('heading', { name: 'Signed in as ada' }).waitFor(STEP);
  await page.getByText(/token generation 1/).waitFor(STEP);
  console.log('ok   signed in; useSession and auth.http work under StrictMode');
  await page.getByRole('button', { name: 'Sign out' }).click(STEP);
  await page.getByRole('button', { name: 'Sign in' }).waitFor(STEP);
  console.log('ok   signed out');
  await page.getByRole('button', { name: 'Sign in' }).click(STEP);
  await page.getByRole('heading', { name: 'Signed in as ada' }).waitFor(STEP);
  // A reload starts a new in-page reference server that has never seen the stored refresh token:
  // the restored session is rejected, and the app says so (useAuthEvent on session:end).
  await page.reload(STEP);
  await page.getByRole('alert').filter({ hasText: 'Your session ended (invalid_grant)' }).waitFor(STEP);
  await page.getByRole('button', { name: 'Sign in' }).waitFor(STEP);
  console.log('ok   a rejected stored session ends with a notice');
  if (errors.length > 0) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
  console.log('react example: all steps passed');
} finally {
  await browser.close();
  await site.close();
}
