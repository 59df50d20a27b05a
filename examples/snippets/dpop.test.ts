// Testing DPoP with tokenflight/testing (README: DPoP). Runs with vitest: `npm run test:snippets`.
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthClient, dpop, memoryKeyStore, webCryptoKeys } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';

const server = createAuthServer({ dpop: { nonce: true, required: true } });
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterAll(() => msw.close());

it('binds the session to the key and answers nonce challenges once', async () => {
  const auth = createAuthClient({ baseUrl: `${server.origin}/`, dpop: dpop({ keys: webCryptoKeys({ store: memoryKeyStore() }) }) });
  await auth.login({ username: 'ada', password: 'lovelace' });

  server.dpop.rotateNonce(); // the next proof carries a stale nonce
  const me = await auth.http.get('api/me').json<{ username: string }>();

  expect(me.username).toBe('ada');
  expect(server.counters.dpopNonceChallenges).toBe(2); // one at login, one after the rotation
  expect(server.counters.dpopProofsRejected).toEqual({ nonce: 2 });
  auth.dispose();
});
