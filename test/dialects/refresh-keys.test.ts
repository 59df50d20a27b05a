import { describe, expect, it, vi } from 'vitest';
import { isSessionEndedError, memoryStorage } from '../../src';
import { leeway } from '../../src/testing';
import { advance } from '../client/support';
import { caught, eventually, expectCleanWire, record, setupDialects, signIn } from './support';

const env = setupDialects();

describe('service refresh keys', () => {
  it('starts from a minted key without login and keeps working across 72 access-token lifetimes', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 7 * 86_400 });
    const auth = env.client({ refreshKey, audience: 'tokenflight-api', deviceInfo: 'billing-worker' });
    const log = record(auth);
    await auth.ready;
    expect(log.of('session:start')).toEqual([{ generation: 1, expiresAt: null, source: 'refresh-key' }]);
    expect(auth.session.status).toBe('authenticated');

    for (let hour = 0; hour < 6; hour++) {
      for (let minute = 0; minute < 60; minute += 10) {
        await expect(auth.http.get(`api/items/${hour}-${minute}`).json()).resolves.toEqual({ id: `${hour}-${minute}` });
        await advance(600_000, () => auth.session.refreshing);
      }
    }
    // One refresh per lifetime (300 s, refreshed 30 s early): 6 h / 270 s ≈ 80, never a storm.
    expect(server.counters.refreshCalls).toBeGreaterThanOrEqual(78);
    expect(server.counters.refreshCalls).toBeLessThanOrEqual(82);
    expect(server.counters).toMatchObject({ loginCalls: 0, unauthorized: 0, reuseDetections: 0 });
    expect(log.of('session:end')).toEqual([]);
    const family = server.keys('ada');
    expect(family[0]?.jti).toBe(jti);
    expect(family.slice(1).every((k) => k.deviceInfo === 'billing-worker' && k.audience === 'tokenflight-api')).toBe(true);
    expectCleanWire(env.wire, server, [refreshKey]);
  });

  it('a revoked key ends the session once, with the grant error as the reason', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const { refreshKey, jti } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    const auth = env.client({ refreshKey });
    const log = record(auth);
    await auth.http.get('api/me').json();
    server.revokeKey(jti);
    await advance(300_000, () => auth.session.refreshing); // the background refresh, 30 s before expiry, is refused
    await eventually(() => log.of('session:end').length > 0);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(auth.session.status).toBe('unauthenticated');
    const error = await caught(auth.refresh());
    expect(error).toMatchObject({ code: 'TF_NOT_AUTHENTICATED' });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.counters.refreshCalls).toBe(2); // nothing after the end
  });

  it('an expired key ends the session at its expiry, and the error says so', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 600 });
    const auth = env.client({ refreshKey, autoRefresh: false });
    const log = record(auth);
    const outcomes: unknown[] = [];
    for (let t = 0; t < 20; t++) {
      outcomes.push(await auth.http.get('api/me').json().catch((e: unknown) => e));
      await vi.advanceTimersByTimeAsync(60_000);
    }
    const firstFailure = outcomes.findIndex((o) => o instanceof Error);
    expect(firstFailure).toBe(10); // the key's 600 s are over
    const error = outcomes[firstFailure];
    expect(isSessionEndedError(error) && error.reason).toBe('invalid_grant');
    expect((error as Error).message).toBe('The session ended (invalid_grant); sign in again.');
    expect(log.of('session:end')).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(11);
  });

  it('a key minted through the admin API by a signed-in user drives a separate service client', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const user = env.client({ autoRefresh: false });
    await signIn(user);
    const minted = await user.http.post('auth/keys', { json: { audience: 'tokenflight-api', lifetime: 3600, deviceInfo: 'nightly export' } }).json<{ refreshKey: string; jti: string }>();
    const service = env.client({ refreshKey: minted.refreshKey, deviceInfo: 'nightly export' });
    await expect(service.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.keys('ada').find((k) => k.jti === minted.jti)?.deviceInfo).toBe('nightly export');
    expectCleanWire(env.wire, server, [minted.refreshKey]);
  });

  it('with storage, a restart continues from the rotated key instead of replaying the original (strict rotation)', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: 'strict' });
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    const storage = memoryStorage();
    const options = { refreshKey, storage, lock: false, channel: false } as const;
    const first = env.client(options);
    await first.http.get('api/me').json();
    first.dispose();
    await vi.advanceTimersByTimeAsync(600_000);
    const second = env.client(options);
    await expect(second.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.refreshCalls).toBe(2);
  });

  it('without storage, a restart replays the original key: strict servers detect reuse, leeway servers do not forgive it later', async () => {
    const server = env.server({ accessTokenTtl: 300, rotation: leeway(30) });
    const { refreshKey } = await server.mintRefreshKey({ username: 'ada', audience: 'tokenflight-api', lifetime: 86_400 });
    const first = env.client({ refreshKey });
    await first.http.get('api/me').json();
    first.dispose();
    await vi.advanceTimersByTimeAsync(600_000);
    const second = env.client({ refreshKey });
    const log = record(second);
    await expect(second.http.get('api/me')).rejects.toSatisfy(isSessionEndedError);
    expect(log.of('session:end')).toEqual([{ reason: 'invalid_grant', origin: 'local' }]);
    expect(server.counters.reuseDetections).toBe(1);
  });
});
