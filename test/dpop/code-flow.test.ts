import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { codeFlow } from '../../src';
import { consent, inspectableStore, ISSUER, REDIRECT } from '../oauth/support';
import { setupDpop } from './support';

const env = setupDpop();

function signInAtProvider(nonce: boolean) {
  const server = env.server(nonce ? { dpop: { nonce: 'as' } } : {});
  const auth = env.dpopClient({ protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false });
  const flow = codeFlow(auth, { issuer: ISSUER, redirectUri: REDIRECT, store: inspectableStore() });
  return { server, auth, flow };
}

describe('DPoP with the authorization code flow (RFC 9449 §5)', () => {
  it('the code exchange carries a proof; the server binds the session and the API gets the DPoP scheme', async () => {
    const { server, auth, flow } = signInAtProvider(true);
    await flow.complete(await consent(await flow.authorizationUrl()));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    await auth.refresh();
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    const exchanges = env.to('/oauth/token');
    expect(exchanges.length).toBeGreaterThanOrEqual(2);
    expect(exchanges.every((entry) => entry.proof !== null)).toBe(true);
    for (const call of env.to('/api/me')) expect(call.authorization).toMatch(/^DPoP /);
    const [key] = server.keys('ada');
    expect(key).toBeDefined();
    expect(server.counters).toMatchObject({ codesExchanged: 1, dpopProofsRejected: {} });
  });

  it("takes a lowercase token_type 'dpop' as DPoP (RFC 9449 §5: case-insensitive)", async () => {
    const { server, auth, flow } = signInAtProvider(false);
    env.msw.use(
      http.post(`${ISSUER}/oauth/token`, async ({ request }) => {
        const body = (await (await server.handle(request)).json()) as Record<string, unknown>;
        return HttpResponse.json({ ...body, token_type: String(body['token_type']).toLowerCase() });
      }),
    );
    await flow.complete(await consent(await flow.authorizationUrl()));
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(env.to('/api/me')[0]?.authorization).toMatch(/^DPoP /);
  });
});
