import { afterEach, describe, expect, it } from 'vitest';
import { createAuthServer, type ListeningServer } from '../../src/testing';
import { authorizeAt, exchange, pkce, request } from './authorization-support';
import { claimsOf } from './support';

const listening: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(listening.splice(0).map((entry) => entry.close()));
});

describe('code flow over loopback HTTP', () => {
  it('the same authorization, code exchange, discovery and counters as over MSW', async () => {
    const server = createAuthServer();
    const entry = await server.listen();
    listening.push(entry);
    const metadata = (await (await fetch(`${entry.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: entry.url, authorization_endpoint: `${entry.url}/oauth/authorize` });
    const { verifier, challenge } = pkce();
    const { response, query } = await authorizeAt(entry.url, request(challenge));
    expect(response.status).toBe(302);
    expect(query?.get('iss')).toBe(entry.url);
    const { status, body } = await exchange(entry.url, { code: query?.get('code') ?? '', code_verifier: verifier });
    expect(status).toBe(200);
    expect(claimsOf(String(body['id_token']))).toMatchObject({ iss: entry.url, nonce: 'n-1' });
    expect((await exchange(entry.url, { code: query?.get('code') ?? '', code_verifier: verifier })).status).toBe(400);
    expect(server.counters).toMatchObject({ authorizations: 1, codesExchanged: 1, codeReuse: 1 });
  });
});
