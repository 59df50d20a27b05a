/**
 * DPoP (RFC 9449) in a real Chromium: each page runs tokenflight with `dpop()` and its default key
 * source (a non-extractable ES256 key in IndexedDB), against the reference auth server with DPoP
 * required, on another loopback origin (CORS: the `DPoP` request header, the `DPoP-Nonce` response header).
 * Pages of one browser context share IndexedDB, so every tab signs with the same key.
 *
 * Skips like tabs.test.ts when /usr/bin/chromium is missing, unless TOKENFLIGHT_BROWSER=required.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAuthServer, type AuthServer } from '../../src/testing';
import { thumbprint } from '../../src/testing/dpop/jws';
import type { HarnessResult, WireRecord } from './page';
import { browserAvailability, CHROMIUM, signedInTabs, stored, tab, TTL, useChromium } from './support';

const { skip } = browserAvailability('DPoP');

/** The RFC 7638 thumbprints of the proof keys `records` carried (one entry per distinct key). */
async function proofKeys(records: readonly WireRecord[]): Promise<string[]> {
  const jwks = new Set(records.flatMap((r) => (r.proofJwk === null ? [] : [r.proofJwk])));
  return Promise.all([...jwks].map(async (jwk) => (await thumbprint(JSON.parse(jwk) as Record<string, unknown>)) ?? 'invalid'));
}

/** The key every refresh-token family of `ada` is bound to at the server. */
const boundKeys = (server: AuthServer): string[] => [...new Set(server.keys('ada').map((k) => server.dpop.boundKey(k.jti) ?? 'unbound'))];

describe.skipIf(skip)(`DPoP in real Chromium (${CHROMIUM})`, () => {
  const chromium = useChromium(new URL('./page.ts', import.meta.url));

  /** A server requiring DPoP and a fresh browser context (empty localStorage and IndexedDB) with `n` DPoP tabs, signed in from the first. */
  const start = (n: number) => signedInTabs(chromium, createAuthServer({ rotation: 'strict', accessTokenTtl: TTL, dpop: { required: true } }), n, '&dpop=1');

  const wire = (page: Page): Promise<WireRecord[]> => page.evaluate(() => window.harness.wire());

  it('the non-extractable key survives a reload: same thumbprint before and after, and the session refreshes once with DPoP', async () => {
    const { server, pages, expireTokens, resync } = await start(1);
    const page = tab(pages, 0);
    expect(await page.evaluate(() => window.harness.get('api/me'))).toMatchObject({ ok: true, value: { username: 'ada' } });
    const before = await wire(page);
    const [jkt] = await proofKeys(before);
    expect(await proofKeys(before)).toHaveLength(1);
    expect(boundKeys(server)).toEqual([jkt]);
    expect(before.filter((r) => r.path.startsWith('/api/'))).toEqual([{ path: '/api/me', scheme: 'DPoP', proofJwk: expect.any(String), tokenJkt: jkt }]);
    expect(await stored(page)).toContain(`"jkt":"${jkt}"`);
    const key = { privateExtractable: false, privateType: 'private', algorithm: 'ECDSA', usages: ['sign'] };
    expect(await page.evaluate(() => window.harness.storedKey())).toEqual(key);

    await page.reload();
    await page.evaluate(() => window.harness.ready());
    expect(await page.evaluate(() => window.harness.session().status)).toBe('authenticated');
    expect(await page.evaluate(() => window.harness.storedKey())).toEqual(key);
    server.resetCounters();
    await resync(page);
    await expireTokens();
    const results = await page.evaluate(() => Promise.all([window.harness.get('api/me'), window.harness.get('api/items/1')]));
    expect(results.filter((r: HarnessResult) => !r.ok)).toEqual([]);
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 2, dpopProofsRejected: {} });

    const after = await wire(page);
    expect(after.map((r) => r.path).sort()).toEqual(['/api/items/1', '/api/me', '/auth/refresh']);
    expect(await proofKeys(after)).toEqual([jkt]);
    for (const request of after.filter((r) => r.path.startsWith('/api/'))) expect(request).toMatchObject({ scheme: 'DPoP', tokenJkt: jkt });
    expect(boundKeys(server)).toEqual([jkt]);
    expect(await page.evaluate(() => window.harness.session().generation)).toBe(2);
    console.info('[browser] DPoP key kept in IndexedDB across a reload: non-extractable, same jkt, one refresh after it');
  });

  it('two tabs share the key: both prove the same key, the one the server bound the session to', async () => {
    const { server, pages, expireTokens } = await start(2);
    const [first, second] = [tab(pages, 0), tab(pages, 1)];
    const answers = await Promise.all([first, second].map((p) => p.evaluate(() => window.harness.get('api/me'))));
    expect(answers.filter((r) => !r.ok)).toEqual([]);
    // The second tab, which never signed in, runs the refresh: its proof at the token endpoint must match the binding.
    server.resetCounters();
    await expireTokens();
    expect(await second.evaluate(() => window.harness.get('api/items/1'))).toMatchObject({ ok: true });
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, dpopProofsRejected: {} });

    const [firstWire, secondWire] = await Promise.all([wire(first), wire(second)]);
    expect(firstWire.map((r) => r.path)).toContain('/auth/login');
    expect(secondWire.map((r) => r.path)).toContain('/auth/refresh');
    const keys = [...(await proofKeys(firstWire)), ...(await proofKeys(secondWire))];
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
    expect(boundKeys(server)).toEqual([keys[0]]);
    for (const request of [...firstWire, ...secondWire].filter((r) => r.path.startsWith('/api/'))) expect(request).toMatchObject({ scheme: 'DPoP', tokenJkt: keys[0] });
    expect(await second.evaluate(() => window.harness.storedKey())).toMatchObject({ privateExtractable: false });
    console.info('[browser] 2 tabs signed with one IndexedDB key; the refresh from the second tab matched the binding');
  });

  it('3 tabs whose DPoP tokens expire together, 2 requests each, 3 times over: exactly 1 refresh each time, 0 reuse detections', async () => {
    const { server, pages, expireTokens } = await start(3);
    for (let round = 1; round <= 3; round++) {
      server.resetCounters();
      await expireTokens();
      const results = await Promise.all(pages.map((p) => p.evaluate(() => Promise.all([window.harness.get('api/me'), window.harness.get('api/items/1')]))));
      expect(results.flat().filter((r: HarnessResult) => !r.ok)).toEqual([]);
      expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, unauthorized: 0, resourceRequests: 6, dpopProofsRejected: {} });
      expect(await Promise.all(pages.map((p) => p.evaluate(() => window.harness.session().generation)))).toEqual([round + 1, round + 1, round + 1]);
    }
    const all = (await Promise.all(pages.map(wire))).flat();
    const keys = await proofKeys(all);
    expect(keys).toHaveLength(1);
    expect(boundKeys(server)).toEqual(keys);
    expect(all.filter((r) => r.path === '/auth/refresh')).toHaveLength(3);
    for (const request of all.filter((r) => r.path.startsWith('/api/'))) expect(request).toMatchObject({ scheme: 'DPoP', tokenJkt: keys[0] });
    console.info('[browser] DPoP, 3 tabs x 2 requests after a shared expiry, 3 rounds: refreshCalls=1 reuse=0 each round, one key');
  });
});
