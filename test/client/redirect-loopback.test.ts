import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient } from '../../src';
import { createAuthServer, type ListeningServer } from '../../src/testing';

/** Real sockets, no mocks: what fetch itself does with the Authorization header on a redirect. */
function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('redirects over real HTTP (loopback)', () => {
  let auth: ListeningServer;
  let third: { server: Server; origin: string };
  let redirector: { server: Server; origin: string };
  const seenByThirdParty: Array<string | undefined> = [];
  const seenByRedirector: Array<string | undefined> = [];

  beforeAll(async () => {
    auth = await createAuthServer().listen();
    third = await listen((request, response) => {
      seenByThirdParty.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    redirector = await listen((request, response) => {
      seenByRedirector.push(request.headers.authorization);
      response.writeHead(302, { location: `${third.origin}/landing` }).end();
    });
  });
  afterAll(async () => {
    await auth.close();
    await new Promise((resolve) => third.server.close(resolve));
    await new Promise((resolve) => redirector.server.close(resolve));
  });

  it('a trusted origin redirecting to an untrusted one: the token reaches the first, never the second', async () => {
    const client = createAuthClient({ baseUrl: `${auth.url}/`, trustedOrigins: [redirector.origin], autoRefresh: false, deviceInfo: false });
    await client.login({ username: 'ada', password: 'lovelace' });
    await expect(client.http.get(`${redirector.origin}/go`).json()).resolves.toEqual({ ok: true });
    expect(seenByRedirector[0]).toMatch(/^Bearer /);
    expect(seenByThirdParty).toEqual([undefined]);
    client.dispose();
  });
});
