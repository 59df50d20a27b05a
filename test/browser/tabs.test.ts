/**
 * Many tabs in a real Chromium: pages of ONE browser context share localStorage, BroadcastChannel and
 * navigator.locks. Each page runs tokenflight (bundled from src with esbuild) with
 * `webStorage(localStorage)` against the reference auth server on loopback HTTP; the pages are served
 * from another port, so every API call is cross-origin (CORS), as in production.
 *
 * Skips when /usr/bin/chromium is missing (install: `apt-get install -y chromium`), unless
 * TOKENFLIGHT_BROWSER=required, where a missing browser fails the run (CI).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAuthServer, leeway, type AuthServerOptions } from '../../src/testing';
import type { HarnessEvent, HarnessResult } from './page';
import { browserAvailability, CHROMIUM, KEY, signedInTabs, stored, tab, TTL, useChromium, WAIT } from './support';

const LOCK = `tokenflight:${KEY}`;

const { skip } = browserAvailability('tab');

describe.skipIf(skip)(`many tabs in real Chromium (${CHROMIUM})`, () => {
  const chromium = useChromium(new URL('./page.ts', import.meta.url));

  /** A fresh server and a fresh browser context (empty localStorage) with `n` tabs, signed in from the first. */
  const start = (n: number, options: AuthServerOptions & { lockTimeout?: number } = {}) =>
    signedInTabs(chromium, createAuthServer({ rotation: 'strict', accessTokenTtl: TTL, ...options }), n, `&lockTimeout=${options.lockTimeout ?? 10_000}`);

  const events = (page: Page): Promise<HarnessEvent[]> => page.evaluate(() => window.harness.events());
  const generation = (page: Page): Promise<number> => page.evaluate(() => window.harness.session().generation);
  const locks = (page: Page) =>
    page.evaluate(async (name) => {
      const state = await navigator.locks.query();
      return { held: (state.held ?? []).filter((l) => l.name === name).length, pending: (state.pending ?? []).filter((l) => l.name === name).length };
    }, LOCK);

  it('5 tabs whose tokens expire together, 3 requests each, 5 times over: exactly 1 refresh each time, 0 reuse detections', async () => {
    const { server, pages, expireTokens } = await start(5);
    const timings: number[] = [];
    for (let round = 1; round <= 5; round++) {
      server.resetCounters();
      await expireTokens();
      const started = performance.now();
      const results = await Promise.all(
        pages.map((p) => p.evaluate(() => Promise.all([window.harness.get('api/me'), window.harness.get('api/items/1'), window.harness.get('api/items/2')]))),
      );
      timings.push(performance.now() - started);
      expect(results.flat().filter((r: HarnessResult) => !r.ok)).toEqual([]);
      expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 15 });
      expect(await Promise.all(pages.map(generation))).toEqual(Array(5).fill(round + 1));
    }
    // One event per tab per rotation: one tab refreshed ('local'), the four others adopted it ('remote').
    const refreshes = await Promise.all(pages.map(async (p) => (await events(p)).filter((e) => e.type === 'session:refresh').map((e) => e.payload as { generation: number; origin: string })));
    for (let generation = 2; generation <= 6; generation++) {
      const origins = refreshes.map((list) => list.filter((e) => e.generation === generation).map((e) => e.origin).join());
      expect(origins.filter((o) => o === 'local')).toHaveLength(1);
      expect(origins.filter((o) => o === 'remote')).toHaveLength(4);
    }
    console.info(`[browser] 5 tabs x 3 requests after a shared expiry, 5 rounds: refreshCalls=1 reuse=0 each round (${timings.map((t) => t.toFixed(0)).join(', ')} ms)`);
  });

  it('5 tabs whose tokens the server rejects at once (401s): exactly 1 refresh, every request replayed and answered', async () => {
    const { server, pages } = await start(5);
    server.expireAccessTokens();
    server.resetCounters();
    const results = await Promise.all(pages.map((p) => p.evaluate(() => Promise.all([window.harness.get('api/me'), window.harness.get('api/items/1')]))));
    expect(results.flat().filter((r: HarnessResult) => !r.ok)).toEqual([]);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    expect(server.counters.unauthorized).toBeGreaterThanOrEqual(1);
    expect(await Promise.all(pages.map(generation))).toEqual([2, 2, 2, 2, 2]);
    console.info(`[browser] 5 tabs, server-side expiry: refreshCalls=1 reuse=0 unauthorized=${server.counters.unauthorized}`);
  });

  it('a refresh token the server rejected is never posted again by another tab: 5 tabs, revoked family, 8 rounds', async () => {
    const { server, pages, expireTokens } = await start(5);
    for (let round = 1; round <= 8; round++) {
      // The whole family is revoked at the server and every access token is expired on both sides.
      for (const key of server.keys('ada')) server.revokeKey(key.jti);
      server.resetCounters();
      await expireTokens();
      const results = await Promise.all(
        pages.map((p) => p.evaluate(() => Promise.all([window.harness.get('api/me'), window.harness.get('api/items/1'), window.harness.get('api/items/2')]))),
      );
      expect(results.flat().every((r: HarnessResult) => !r.ok)).toBe(true);
      // The one tab holding the lock posted the token and got invalid_grant; no other tab posted it again.
      expect(server.counters.refreshCalls).toBe(1);
      await Promise.all(pages.map((p) => p.waitForFunction(() => window.harness.session().status === 'unauthenticated', undefined, WAIT)));
      expect(await stored(tab(pages, 0))).toBeNull();
      // Sign in again for the next round.
      await tab(pages, round % 5).evaluate(() => window.harness.login());
      await Promise.all(pages.map((p) => p.waitForFunction(() => window.harness.session().status === 'authenticated', undefined, WAIT)));
    }
    console.info('[browser] revoked family, 5 tabs x 3 requests, 8 rounds: the rejected refresh token was posted once per round');
  });

  it('logout in one tab signs every other tab out (origin remote) and leaves localStorage empty', async () => {
    const { server, pages } = await start(5);
    expect(await stored(tab(pages, 3))).not.toBeNull();
    const started = performance.now();
    await tab(pages, 0).evaluate(() => window.harness.logout());
    await Promise.all(pages.map((p) => p.waitForFunction(() => window.harness.session().status === 'unauthenticated', undefined, WAIT)));
    const elapsed = performance.now() - started;
    for (const page of pages) {
      expect(await stored(page)).toBeNull();
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
    }
    const ends = await Promise.all(pages.map(async (p) => (await events(p)).filter((e) => e.type === 'session:end').map((e) => e.payload)));
    expect(ends[0]).toEqual([{ reason: 'logout', origin: 'local' }]);
    for (const end of ends.slice(1)) expect(end).toEqual([{ reason: 'remote', origin: 'remote' }]);
    // Another tab's next request carries no token.
    expect(await tab(pages, 4).evaluate(() => window.harness.get('api/me'))).toMatchObject({ ok: false });
    await expect.poll(() => server.counters.revocations, { timeout: 5000 }).toBe(1);
    console.info(`[browser] logout propagated to 4 other tabs in ${elapsed.toFixed(0)} ms`);
  });

  it('a tab closed while holding the lock (its refresh lost on the network): another tab completes the refresh', async () => {
    // A long lock timeout: progress must come from the browser releasing the closed tab's lock.
    const { server, pages, expireTokens } = await start(3, { lockTimeout: 30_000 });
    const [closing, waiting, idle] = [tab(pages, 0), tab(pages, 1), tab(pages, 2)];
    await closing.evaluate(() => window.harness.holdRefresh());
    server.resetCounters();
    await expireTokens();
    await closing.evaluate(() => window.harness.start('api/me'));
    await closing.waitForFunction(() => window.harness.heldRefreshes() === 1, undefined, WAIT);
    expect(await locks(waiting)).toEqual({ held: 1, pending: 0 });
    await waiting.evaluate(() => window.harness.start('api/me'));
    await expect.poll(() => locks(waiting), { timeout: 5000 }).toEqual({ held: 1, pending: 1 });

    const started = performance.now();
    await closing.close();
    const result = await waiting.evaluate(() => window.harness.pending());
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ ok: true, value: { username: 'ada' } });
    expect(elapsed).toBeLessThan(10_000);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0 });
    expect(await generation(waiting)).toBe(2);
    await idle.waitForFunction(() => window.harness.session().generation === 2, undefined, WAIT);
    expect(await idle.evaluate(() => window.harness.get('api/me'))).toMatchObject({ ok: true });
    expect(server.counters.refreshCalls).toBe(1);
    console.info(`[browser] lock of a closed tab released; the waiting tab refreshed ${elapsed.toFixed(0)} ms after the close`);
  });

  it('leeway rotation: a tab closed after the server received its refresh; another tab completes it, no reuse detected', async () => {
    const { server, pages, expireTokens } = await start(3, { rotation: leeway(30), lockTimeout: 30_000 });
    const [closing, waiting, idle] = [tab(pages, 0), tab(pages, 1), tab(pages, 2)];
    server.resetCounters();
    server.inject('refresh', { type: 'delay', ms: 1500 });
    await expireTokens();
    await closing.evaluate(() => window.harness.start('api/me'));
    await expect.poll(() => server.counters.refreshCalls, { timeout: 5000 }).toBe(1);
    await waiting.evaluate(() => window.harness.start('api/me'));
    await expect.poll(() => locks(waiting), { timeout: 5000 }).toEqual({ held: 1, pending: 1 });
    await closing.close();
    expect(await waiting.evaluate(() => window.harness.pending())).toMatchObject({ ok: true });
    // The closed tab's request is answered by the server after its delay: the parent is replayed within the leeway.
    await expect
      .poll(() => server.keys('ada').some((k) => k.rotatedAt !== null && k.lastUsedAt !== null && k.lastUsedAt > k.rotatedAt), { timeout: 5000 })
      .toBe(true);
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
    expect(server.keys('ada').every((k) => k.revokedAt === null)).toBe(true);
    await idle.waitForFunction(() => window.harness.session().generation === 2, undefined, WAIT);
    // The surviving session keeps rotating normally.
    await expireTokens();
    expect(await idle.evaluate(() => window.harness.get('api/me'))).toMatchObject({ ok: true });
    expect(server.counters).toMatchObject({ refreshCalls: 3, reuseDetections: 0 });
    console.info('[browser] leeway: the closed tab\'s late refresh was answered within the leeway; reuse=0, the session kept rotating');
  });
});
