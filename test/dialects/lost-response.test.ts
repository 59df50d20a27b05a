import { describe, expect, it } from 'vitest';
import { isRefreshError, isSessionEndedError, memoryStorage } from '../../src';
import { leeway, type RotationMode } from '../../src/testing';
import { caught, cookieJar, expectCleanWire, jump, record, setupDialects, signIn, until } from './support';

const env = setupDialects();

/** The refresh token each refresh call presented, in order. */
function presented(protocol: 'json' | 'oauth'): string[] {
  return env.wire
    .filter((e) => e.path === (protocol === 'json' ? '/auth/refresh' : '/oauth/token') && (protocol === 'json' || e.body.includes('grant_type=refresh_token')))
    .map((e) => (protocol === 'json' ? String((JSON.parse(e.body) as { refreshToken: unknown }).refreshToken) : (new URLSearchParams(e.body).get('refresh_token') ?? '')));
}

async function lostResponse(protocol: 'json' | 'oauth', rotation: RotationMode) {
  const server = env.server({ accessTokenTtl: 60, rotation });
  const auth = env.client({ protocol, clientId: 'tokenflight', autoRefresh: false });
  await signIn(auth);
  const log = record(auth);
  jump(61_000);
  server.resetCounters();
  // The server commits the rotation, then the connection drops before the answer arrives.
  server.inject(protocol === 'json' ? 'refresh' : 'token', { type: 'rotate-then-drop' });
  const results = await until(Promise.all(Array.from({ length: 10 }, () => auth.http.get('api/me').json().catch((e: unknown) => e))));
  return { server, auth, log, results };
}

describe('a rotation committed but its answer lost (rotate-then-drop)', () => {
  it.each(['json', 'oauth'] as const)('leeway server (%s): the one retry with the same token gets the current pair; the session continues', async (protocol) => {
    const { server, auth, log, results } = await lostResponse(protocol, leeway(30));
    expect(results.every((r) => (r as { username?: string }).username === 'ada')).toBe(true);
    const sent = presented(protocol);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]); // retried once, with the same token
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
    expect(log.of('session:refresh')).toHaveLength(1);
    expect(log.of('session:refresh-failed')).toEqual([]);
    // The pair the retry got is the family's live one: the next refresh is a plain rotation.
    await auth.refresh();
    expect(presented(protocol)[2]).not.toBe(sent[0]);
    expect(server.counters.reuseDetections).toBe(0);
    expect(log.of('session:end')).toEqual([]);
    expectCleanWire(env.wire, server);
  });

  it.each(['json', 'oauth'] as const)('strict server (%s): the retry is reuse, the family is revoked, the session ends once', async (protocol) => {
    const { server, auth, log, results } = await lostResponse(protocol, 'strict');
    expect(new Set(results).size).toBe(1);
    expect(isSessionEndedError(results[0]) && results[0].reason).toBe('invalid_grant');
    const sent = presented(protocol);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 1 });
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('rotation off: the retry simply succeeds', async () => {
    const { server, log, results } = await lostResponse('json', 'off');
    expect(results.every((r) => (r as { username?: string }).username === 'ada')).toBe(true);
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0 });
    expect(log.of('session:refresh')).toHaveLength(1);
  });

  it('cookie mode, leeway server: the retry sends the same cookie and picks up the new one', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: leeway(30), cookieMode: true });
    const jar = cookieJar();
    const auth = env.client({ cookie: true, fetch: jar.fetch, storage: memoryStorage(), lock: false, channel: false, autoRefresh: false });
    await signIn(auth);
    env.wire.length = 0; // not the start-up attempt to resume from a cookie (there was none yet)
    const original = jar.jar.get('tf_refresh')?.value;
    jump(61_000);
    server.inject('refresh', { type: 'rotate-then-drop' });
    const result = await until(auth.http.get('api/me').json().catch((e: unknown) => e));
    expect(result).toMatchObject({ username: 'ada' });
    const cookies = env.wire.filter((e) => e.path === '/auth/refresh').map((e) => e.headers['cookie']);
    expect(cookies).toEqual([`tf_refresh=${original ?? ''}`, `tf_refresh=${original ?? ''}`]);
    expect(jar.jar.get('tf_refresh')?.value).not.toBe(original);
    await auth.refresh();
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('two lost answers in a row: no third send of the same token now; the next attempt waits for the backoff', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: leeway(30) });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    server.inject('refresh', { type: 'rotate-then-drop' });
    server.inject('refresh', { type: 'network-error' });
    expect(isRefreshError(await until(caught(auth.http.get('api/me'))))).toBe(true);
    expect(presented('json')).toHaveLength(2);
    const [failed] = log.of('session:refresh-failed');
    expect(failed).toMatchObject({ retryable: true, attempt: 1 });
    // Before the planned attempt nothing is sent; afterwards the same token goes out once more (leeway: accepted).
    if ((failed?.nextAttemptAt ?? 0) > Date.now()) expect(isRefreshError(await caught(auth.http.get('api/me')))).toBe(true);
    expect(presented('json')).toHaveLength(2);
    jump(Math.max(0, (failed?.nextAttemptAt ?? 0) - Date.now()));
    await expect(until(auth.http.get('api/me').json())).resolves.toMatchObject({ username: 'ada' });
    expect(presented('json')).toHaveLength(3);
    expect(server.counters.reuseDetections).toBe(0);
  });
});
