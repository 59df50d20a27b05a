import { describe, expect, it } from 'vitest';
import { advance } from '../client/support';
import { asJson, record, setupDialects, signIn, type Rewrite } from './support';

const env = setupDialects();
const TEN_MINUTES = 600_000;

/** Token answers without `expiresIn` (only the JWT `exp` tells the lifetime), optionally without a `Date` header. */
const expOnly = (keepDate: boolean): Rewrite =>
  env.onTokenCalls(async (_request, response) => {
    if (response.status !== 200) return response;
    const { expiresIn: _dropped, ...body } = await asJson(response);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    if (!keepDate) headers.delete('date');
    return new Response(JSON.stringify(body), { status: 200, headers });
  });

/** Runs the client for `minutes`, one request a minute, with the background timer on. */
async function run(auth: ReturnType<typeof env.client>, minutes: number) {
  const outcomes: unknown[] = [];
  for (let m = 0; m < minutes; m++) {
    outcomes.push(await auth.http.get(`api/items/${m}`).json().catch((e: unknown) => e));
    await advance(60_000, () => auth.session.refreshing);
  }
  return outcomes;
}

describe('clock skew between device and server', () => {
  it.each([
    ['fast by 10 min', -TEN_MINUTES],
    ['slow by 10 min', TEN_MINUTES],
  ])('device clock %s: expiry from expires_in and receipt time, one refresh per lifetime over two hours', async (_name, serverOffset) => {
    const server = env.server({ accessTokenTtl: 300 });
    server.setClockOffset(serverOffset);
    const auth = env.client();
    const log = record(auth);
    await signIn(auth);
    expect(auth.session.expiresAt).toBe(Date.now() + 300_000);
    const outcomes = await run(auth, 120);
    expect(outcomes.every((o) => !(o instanceof Error))).toBe(true);
    // 7200 s / (300 s - 30 s margin) ≈ 27 refreshes, not a loop.
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(25);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(28);
    expect(server.counters).toMatchObject({ unauthorized: 0, reuseDetections: 0 });
    expect(log.of('session:refresh-failed')).toEqual([]);
  });

  it.each([
    ['fast by 10 min', -TEN_MINUTES],
    ['slow by 10 min', TEN_MINUTES],
  ])('device clock %s, no expires_in: the JWT exp is moved onto the device clock with the Date header offset', async (_name, serverOffset) => {
    const server = env.server({ accessTokenTtl: 300 }, expOnly(true));
    server.setClockOffset(serverOffset);
    const auth = env.client();
    await signIn(auth);
    const expiresIn = (auth.session.expiresAt ?? 0) - Date.now();
    expect(expiresIn).toBeGreaterThan(298_000);
    expect(expiresIn).toBeLessThanOrEqual(301_000);
    await run(auth, 60);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(12);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(14);
    expect(server.counters.unauthorized).toBe(0);
  });

  it('fast device, no expires_in and no Date header: the token looks born-expired; no proactive refresh, never a loop', async () => {
    const server = env.server({ accessTokenTtl: 300 }, expOnly(false));
    server.setClockOffset(-TEN_MINUTES);
    const auth = env.client();
    const log = record(auth);
    await signIn(auth);
    expect(auth.session.expiresAt).toBeNull(); // unknown lifetime: only a 401 triggers a refresh
    const outcomes = await run(auth, 60);
    expect(outcomes.every((o) => !(o instanceof Error))).toBe(true);
    // Reactive only: at most one refresh per real 300 s lifetime, each after exactly one 401.
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(12);
    expect(server.counters.unauthorized).toBe(server.counters.refreshCalls);
    expect(log.of('session:refresh')).toHaveLength(server.counters.refreshCalls);
  });

  it('slow device, no expires_in and no Date header: the token looks longer-lived than it is; 401s recover it', async () => {
    const server = env.server({ accessTokenTtl: 300 }, expOnly(false));
    server.setClockOffset(TEN_MINUTES);
    const auth = env.client();
    await signIn(auth);
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBeGreaterThan(800_000); // believed: 15 min
    const outcomes = await run(auth, 60);
    expect(outcomes.every((o) => !(o instanceof Error))).toBe(true);
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(10);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(13);
    expect(server.counters.unauthorized).toBeLessThanOrEqual(server.counters.refreshCalls);
    expect(server.counters.reuseDetections).toBe(0);
  });
});
