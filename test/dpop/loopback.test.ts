import { afterEach, describe, expect, it } from 'vitest';
import { codeFlow, createAuthClient, dpop, memoryKeyStore, webCryptoKeys, type AuthClient } from '../../src';
import { createAuthServer, type ListeningServer } from '../../src/testing';
import { consent, inspectableStore, REDIRECT } from '../oauth/support';

const listening: ListeningServer[] = [];
const clients: AuthClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.dispose();
  await Promise.all(listening.splice(0).map((entry) => entry.close()));
});

describe('code flow with DPoP over real HTTP', () => {
  it('a provider requiring DPoP nonces whose clock is 3 minutes ahead: sign-in, API call, refresh, logout', async () => {
    const server = createAuthServer({ dpop: { nonce: true, required: true } });
    server.setClockOffset(180_000);
    const entry = await server.listen();
    listening.push(entry);
    const auth = createAuthClient({ baseUrl: `${entry.url}/`, protocol: 'oauth', clientId: 'tokenflight', dpop: dpop({ keys: webCryptoKeys({ store: memoryKeyStore() }) }) });
    clients.push(auth);
    const flow = codeFlow(auth, { issuer: entry.url, redirectUri: REDIRECT, store: inspectableStore(), navigate: () => undefined });
    await flow.complete(await consent(await flow.authorizationUrl()));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    const { revocation } = await flow.logout();
    await expect(revocation).resolves.toBe(true);
    expect(server.counters).toMatchObject({ codesExchanged: 1, refreshCalls: 1, revocations: 1, dpopProofsRejected: { iat: 1 } });
  });
});
