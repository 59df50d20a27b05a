import { describe, expect, it } from 'vitest';
import { memoryStorage, type AuthClient } from '../../src';
import type { AuthServer, Fault, FaultEndpoint } from '../../src/testing';
import { caught, cookieJar, expectCleanWire, expectNoSecrets, issuedTokens, jump, record, setupDialects, signIn, spyConsole, until } from './support';

const env = setupDialects();
type Mode = 'json' | 'oauth' | 'cookie';

/** Everything a failure path can show: what callers caught, every event, console output, the snapshot, the store. */
async function exercise(mode: Mode, endpoint: (mode: Mode) => FaultEndpoint, fault: Fault) {
  const consoleSpy = spyConsole();
  const server = env.server({ accessTokenTtl: 60, cookieMode: mode === 'cookie' });
  const storage = memoryStorage();
  const jar = cookieJar();
  const auth = env.client({
    storage,
    lock: false,
    channel: false,
    autoRefresh: false,
    ...(mode === 'oauth' ? { protocol: 'oauth', clientId: 'tokenflight', clientSecret: 'top-secret-client-password' } : {}),
    ...(mode === 'cookie' ? { cookie: true, fetch: jar.fetch } : {}),
  });
  const log = record(auth);
  await signIn(auth);
  jump(61_000);
  server.inject(endpoint(mode), fault, 2);
  const caughtErrors = await until(
    Promise.all([
      ...Array.from({ length: 5 }, () => caught(auth.http.get('api/me').json())),
      caught(auth.refresh()),
      caught(auth.getAccessToken()),
      caught(auth.http.post('api/echo', { body: new ReadableStream({ start: (c) => c.close() }) })),
    ]),
  );
  const errors: unknown[] = caughtErrors.filter((e) => e !== undefined);
  return { server, auth, log, consoleSpy, storage, errors };
}

const refreshEndpoint = (mode: Mode): FaultEndpoint => (mode === 'oauth' ? 'token' : 'refresh');

const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ['invalid_grant', { type: 'oauth-error', error: 'invalid_grant' }],
  ['invalid_client', { type: 'oauth-error', error: 'invalid_client' }],
  ['401', { type: 'status', status: 401 }],
  ['503 + Retry-After', { type: 'status', status: 503, headers: { 'retry-after': '3' } }],
  ['429', { type: 'status', status: 429 }],
  ['network error', { type: 'network-error' }],
  ['lost answer (strict reuse)', { type: 'rotate-then-drop' }],
  ['HTML', { type: 'malformed', kind: 'html' }],
  ['garbled JSON', { type: 'malformed', kind: 'garbled-json' }],
  ['timeout', { type: 'delay', ms: 120_000 }],
];

async function expectNothingLeaked(mode: Mode, run: Awaited<ReturnType<typeof exercise>>, extra: unknown[] = []) {
  const stored = await run.storage.getItem('tokenflight.session');
  const secrets = [...issuedTokens(env.wire), 'top-secret-client-password'];
  expect(run.errors.length).toBeGreaterThan(0);
  expectNoSecrets([...run.errors, ...extra], secrets);
  expectNoSecrets([run.log.events, run.consoleSpy.calls(), run.auth.session], secrets);
  const cookies = env.wire.flatMap((e) => e.setCookie).map((c) => /^tf_refresh=([^;]*)/.exec(c)?.[1] ?? '').filter((v) => v !== '');
  expect(cookies.length > 0).toBe(mode === 'cookie');
  for (const cookie of cookies) expect(stored ?? '').not.toContain(cookie);
  expectCleanWire(env.wire, run.server);
}

describe('the leak check itself', () => {
  const secret = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
  it.each([
    ['a message', new Error(`bad ${secret}`)],
    ['a cause chain', new Error('outer', { cause: new Error('inner', { cause: { token: secret.slice(4, 20) } }) })],
    ['a hidden field', Object.defineProperty(new Error('x'), 'token', { value: secret, enumerable: false })],
    ['an event payload', { type: 'session:refresh', payload: { note: `…${secret.slice(10, 30)}…` } }],
  ])('catches a token fragment in %s', (_name, value) => {
    expect(() => expectNoSecrets([value], [secret])).toThrow();
  });
});

describe('no token ever shows in errors, events, logs or URLs', () => {
  const modes: Mode[] = ['json', 'oauth', 'cookie'];
  it.each(modes.flatMap((mode) => FAULTS.map(([name, fault]) => [mode, name, fault] as const)))('%s mode, refresh fails with %s', async (mode, _name, fault) => {
    const run = await exercise(mode, refreshEndpoint, fault);
    const { revocation } = await run.auth.logout();
    await until(revocation);
    await expectNothingLeaked(mode, run);
  });

  it.each(modes)('%s mode: resource 401s after a refresh, a stream body refused, revocation refused, login refused', async (mode) => {
    const run = await exercise(mode, () => 'resource', { type: 'status', status: 401 });
    run.server.inject('resource', { type: 'status', status: 401 }, 4);
    run.errors.push(await caught(run.auth.http.get('api/me')));
    run.server.inject(mode === 'oauth' ? 'revoke' : 'logout', { type: 'oauth-error', error: 'invalid_client' });
    const { revocation } = await run.auth.logout();
    await until(revocation);
    expect(run.log.of('session:error').map((e) => e.operation)).toContain('revoke');
    run.errors.push(await caught(run.auth.login({ username: 'ada', password: 'nope' })));
    run.errors.push(await caught(run.auth.sessions.list()));
    await expectNothingLeaked(mode, run);
  });

  it('a disposed client: waiters settle with an error that holds no token', async () => {
    const run = await exercise('json', refreshEndpoint, { type: 'delay', ms: 10_000 });
    const waiting = caught((run.auth as AuthClient).http.get('api/me'));
    run.auth.dispose();
    run.errors.push(await waiting);
    expect(run.errors.at(-1)).toMatchObject({ code: 'TF_DISPOSED' });
    await expectNothingLeaked('json', run);
  });

  it('the minted service key never leaks either', async () => {
    const consoleSpy = spyConsole();
    const server: AuthServer = env.server({ accessTokenTtl: 60 });
    const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 3600 });
    const auth = env.client({ refreshKey, autoRefresh: false });
    const log = record(auth);
    server.inject('refresh', { type: 'status', status: 503 });
    const errors = [await caught(auth.http.get('api/me'))];
    server.revokeKey(jti);
    jump(5_000);
    errors.push(await caught(auth.http.get('api/me')));
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expectNoSecrets([...errors, log.events, consoleSpy.calls(), auth.session], [refreshKey, ...issuedTokens(env.wire)]);
    expectCleanWire(env.wire, server, [refreshKey]);
  });
});
