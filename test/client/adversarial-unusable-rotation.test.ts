import { describe, expect, it, vi } from 'vitest';
import { isRefreshError, memoryStorage } from '../../src';
import { jump, poisonNextRefresh, record, setup, signIn } from './support';

const env = setup();

describe('a refresh answer that rotated the refresh token but is otherwise unusable (strict rotation)', () => {
  it.each([
    ['token_type mac', (body: Record<string, unknown>) => ({ ...body, tokenType: 'mac' })],
    ['access token with a space', (body: Record<string, unknown>) => ({ ...body, accessToken: 'not a b64token' })],
    ['no access token', (body: Record<string, unknown>) => ({ ...body, accessToken: undefined })],
  ] as const)('%s: the rotated refresh token is kept, so the next refresh is no reuse', async (_name, edit) => {
    const server = env.server({ accessTokenTtl: 60, rotation: 'strict' });
    const storage = memoryStorage();
    const auth = env.client({ autoRefresh: false, storage, lock: false, channel: false });
    await signIn(auth);
    const log = record(auth);
    jump(61_000);
    poisonNextRefresh(server, env.msw, edit);
    const error = await auth.refresh().catch((e: unknown) => e);
    expect(isRefreshError(error)).toBe(true);
    expect(log.of('session:end')).toHaveLength(0);
    expect(log.of('session:refresh')).toHaveLength(0);
    expect(log.of('session:refresh-failed')).toMatchObject([{ retryable: true, attempt: 1 }]);
    expect(auth.session.status).toBe('authenticated');
    // What is persisted is the rotated refresh token, never the spent one.
    const stored = JSON.parse((await storage.getItem('tokenflight.session')) ?? '{}') as { refreshToken?: string };
    expect(server.counters.refreshCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.refreshCalls).toBe(2);
    expect(log.of('session:end')).toHaveLength(0);
    expect(typeof stored.refreshToken).toBe('string');
    // The error never carries a token.
    expect(JSON.stringify(error) + String(error) + ((error as Error).stack ?? '')).not.toContain(stored.refreshToken ?? '');
  });

  it('the old access token stays in use while it is valid', async () => {
    const server = env.server({ accessTokenTtl: 600, rotation: 'strict' });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    poisonNextRefresh(server, env.msw, (body) => ({ ...body, tokenType: 'DPoP' }));
    await expect(auth.refresh()).rejects.toSatisfy(isRefreshError);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.unauthorized).toBe(0);
  });
});
