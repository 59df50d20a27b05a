import { describe, expect, it } from 'vitest';
import { type AuthClient, type AuthEventName } from '../../src';
import { INTERNALS, type ClientInternals } from '../../src/internals';
import { KEY } from '../storage-client/support';
import { advance, flush, setup, signIn } from '../client/support';
import { tabs } from './support';

const env = setup();

/** mulberry32: a small seeded generator, so every interleaving can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The refresh-key family (`sid` claim of the reference server's access tokens) a token belongs to. */
const familyOf = (token: string | null | undefined): string | null => {
  const payload = token?.split('.')[1];
  if (payload === undefined) return null;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sid?: string }).sid ?? null;
};

const OPS = ['request', 'request', 'request', 'expire', 'logout', 'login', 'dispose', 'refresh', 'time', 'fault'] as const;

describe('random interleavings of many tabs (fixed seeds, fake clock)', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('seed %i: no refresh token twice, no ended session token sent, every call settles, tabs converge, one end per session', async (seed) => {
    const random = prng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const server = env.server({ accessTokenTtl: 60 });
    /** Families ended before the current round began: no request may carry their tokens. */
    let ended = new Set<string>();
    const violations: string[] = [];
    // The fake clock waits for real I/O (MSW, the server's WebCrypto) in flight: an answer is never lost to a timeout that only fake time ran out.
    let inFlight = 0;
    const busy = () => inFlight > 0;
    const network: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const family = familyOf(request.headers.get('authorization')?.replace(/^Bearer /, ''));
      const path = new URL(request.url).pathname;
      if (family !== null && ended.has(family)) violations.push(`${request.method} ${path} with a token of ended session ${family}`);
      const body = path.startsWith('/auth/') ? await request.clone().text() : '';
      inFlight++;
      const response = await fetch(request).finally(() => inFlight--);
      if (path.startsWith('/auth/')) trace.push(`    ${path} ${body.slice(0, 60)} -> ${response.status} ${(await response.clone().text()).replace(/"accessToken":"[^"]*",?/, "").slice(0, 120)}`);
      return response;
    };
    const t = tabs(env, 4, { fetch: network });
    const live: AuthClient[] = [...t.clients];
    const trace: string[] = [];
    const ids = new Map<AuthClient, number>();
    let nextId = 0;
    const histories = new Map<AuthClient, AuthEventName[]>();
    const watch = (client: AuthClient) => {
      const history: AuthEventName[] = [];
      ids.set(client, nextId++);
      histories.set(client, history);
      client.on('session:end', (e) => trace.push(`  tab${ids.get(client)} end ${e.reason}`));
      client.on('session:start', (e) => trace.push(`  tab${ids.get(client)} start ${e.source}`));
      client.on('session:start', () => history.push('session:start'));
      client.on('session:end', () => history.push('session:end'));
    };
    live.forEach(watch);
    await Promise.all(live.map((c) => c.ready));
    const families = new Set<string>();
    const storedFamily = async (): Promise<string | null> => {
      const raw = await t.storage.getItem(KEY);
      return raw === null || raw === undefined ? null : familyOf((JSON.parse(raw) as { accessToken: string | null }).accessToken);
    };

    for (let round = 0; round < 12; round++) {
      const work: Array<Promise<unknown>> = [];
      const n = 1 + Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        const op = pick(OPS);
        const tab = pick(live);
        trace.push(`r${round} ${op} tab${ids.get(tab)}`);
        if (op === 'request') work.push(tab.http.get('api/me', { throwHttpErrors: false }));
        else if (op === 'expire') server.expireAccessTokens();
        else if (op === 'logout') work.push(tab.logout());
        else if (op === 'login') work.push(signIn(tab));
        else if (op === 'refresh') work.push(tab.refresh());
        else if (op === 'time') work.push(advance(Math.floor(random() * 120_000), busy));
        else if (op === 'fault') server.inject('refresh', { type: 'status', status: 503 });
        else {
          tab.dispose();
          const fresh = t.open();
          live.splice(live.indexOf(tab), 1, fresh);
          watch(fresh);
          work.push(fresh.ready);
        }
      }
      let settled = 0;
      const tracked = work.map((p) => p.then(() => settled++, () => settled++));
      for (let i = 0; i < 200 && settled < work.length; i++) await advance(1_000, busy);
      expect(settled, `round ${round}: every call settles`).toBe(work.length);
      await Promise.all(tracked);
      server.clearFaults();
      await advance(2_000, busy);
      await flush();

      // The tabs agree with the store.
      const current = await storedFamily();
      for (const client of live) {
        const held = (client as unknown as Record<symbol, ClientInternals>)[INTERNALS]?.coordinator.tokens ?? null;
        expect(client.session.status, `tab${ids.get(client)} after:\n${trace.join('\n')}`).toBe(current === null ? 'unauthenticated' : 'authenticated');
        if (held !== null) expect(familyOf(held.accessToken), `round ${round}`).toBe(current);
      }
      for (const key of server.keys('ada')) families.add(key.familyId);
      ended = new Set([...families].filter((family) => family !== current));
    }

    expect(violations).toEqual([]);
    expect(server.counters.reuseDetections, trace.join('\n')).toBe(0);
    for (const history of histories.values()) {
      // Starts and ends alternate: exactly one end per session.
      history.forEach((type, i) => expect(type).toBe(i % 2 === 0 ? 'session:start' : 'session:end'));
    }
  });
});
