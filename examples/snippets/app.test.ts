// Testing your app with tokenflight/testing (README.md). Runs with vitest: `npm run test:snippets`.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAuthClient, isSessionEndedError } from 'tokenflight';
import { createAuthServer } from 'tokenflight/testing';

const server = createAuthServer({ accessTokenTtl: 300 }); // users: ada / lovelace
const msw = setupServer(...server.handlers); // every route lives under server.origin (https://auth.test)

beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetCounters());
afterAll(() => msw.close());

it('survives a token the server expired early: one refresh, the request replayed', async () => {
  const auth = createAuthClient({ baseUrl: `${server.origin}/` });
  await auth.login({ username: 'ada', password: 'lovelace' });

  server.expireAccessTokens();
  const me = await auth.http.get('api/me').json<{ username: string }>();

  expect(me.username).toBe('ada');
  expect(server.counters.refreshCalls).toBe(1);
  expect(server.counters.unauthorized).toBe(1);
  auth.dispose();
});

it('ends the session when the refresh token is revoked', async () => {
  const auth = createAuthClient({ baseUrl: `${server.origin}/` });
  await auth.login({ username: 'ada', password: 'lovelace' });
  const ended = new Promise((resolve) => auth.on('session:end', resolve));

  for (const key of server.keys('ada')) server.revokeKey(key.jti);
  server.expireAccessTokens();
  await expect(auth.http.get('api/me')).rejects.toSatisfy(isSessionEndedError);

  await expect(ended).resolves.toMatchObject({ reason: expect.any(String) });
  expect(auth.session.status).toBe('unauthenticated');
  auth.dispose();
});

it('injects faults: a 503 from the refresh endpoint keeps the session', async () => {
  const auth = createAuthClient({ baseUrl: `${server.origin}/`, autoRefresh: false });
  await auth.login({ username: 'ada', password: 'lovelace' });

  server.inject('refresh', { type: 'status', status: 503 });
  await expect(auth.refresh()).rejects.toMatchObject({ retryable: true });
  expect(auth.session.status).toBe('authenticated');
  auth.dispose();
});
