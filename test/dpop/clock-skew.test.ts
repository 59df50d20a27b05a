import { describe, expect, it } from 'vitest';
import { record, setupDpop, signIn } from './support';

const env = setupDpop();
const TEN_MINUTES = 600_000;

describe('DPoP proofs from a device whose clock is off (RFC 9449 §11.1)', () => {
  for (const [label, offset] of [
    ['behind', TEN_MINUTES],
    ['ahead', -TEN_MINUTES],
  ] as const) {
    it(`device ${label} of the server by 10 minutes: the proof is sent again once with iat on the server's clock (its Date), then every proof uses it`, async () => {
      const server = env.server({ dpop: { nonce: true } });
      server.setClockOffset(offset);
      const auth = env.dpopClient({ autoRefresh: false });
      const log = record(auth);
      await signIn(auth);
      await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
      await auth.refresh();
      await expect(auth.http.post('api/echo', { json: { n: 1 } }).json()).resolves.toEqual({ n: 1 });
      const serverSeconds = (Date.now() + offset) / 1000;
      const logins = env.to('/auth/login');
      expect(logins).toHaveLength(2); // refused for its iat (the answer carried the nonce and the Date), then accepted
      // Once the server's time was learnt, every proof carries it.
      for (const entry of [...logins.slice(-1), ...env.to('/auth/refresh'), ...env.to('/api/me'), ...env.to('/api/echo')]) {
        expect(Math.abs(Number(entry.claims?.['iat']) - serverSeconds), entry.path).toBeLessThan(10);
      }
      expect(env.to('/api/echo')).toHaveLength(1);
      expect(log.of('session:refresh-failed')).toEqual([]);
      expect(server.counters).toMatchObject({ requestsPerBody: { '{"n":1}': 1 } });
    });
  }

  it('the server clock jumps while 5 requests are on their way: each refused one is sent again once, all succeed', async () => {
    const server = env.server();
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    server.setClockOffset(120_000); // past the 60 s proof window, within the access token's life
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => auth.http.get(`api/items/${i}`).json<{ id: string }>()));
    expect(results.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4']);
    expect(server.counters.dpopProofsRejected).toEqual({ iat: 5 });
    expect(env.wire.filter((entry) => entry.path.startsWith('/api/items/'))).toHaveLength(10);
  });

  it('a proof refused for another reason than time is not sent again', async () => {
    const server = env.server();
    const auth = env.dpopClient();
    server.dpop.rejectNextProof();
    await expect(signIn(auth)).rejects.toMatchObject({ code: 'TF_LOGIN_FAILED' });
    expect(env.to('/auth/login')).toHaveLength(1);
  });
});

describe('what the server clock is learnt from', () => {
  it('not from an answer a cache kept (it has an Age): the Date of a stale copy never moves iat', async () => {
    const { http, HttpResponse } = await import('msw');
    const server = env.server();
    const auth = env.dpopClient();
    await signIn(auth);
    const stale = new Date(Date.now() - 3_600_000).toUTCString();
    env.msw.use(http.get(`${server.origin}/api/cached`, () => HttpResponse.json({ ok: true }, { headers: { Date: stale, Age: '3600' } })));
    await auth.http.get('api/cached').json();
    await auth.http.get('api/me').json();
    expect(Math.abs(Number(env.to('/api/me')[0]?.claims?.['iat']) - Date.now() / 1000)).toBeLessThan(5);
    expect(server.counters.dpopProofsRejected).toEqual({});
  });
});
