import { describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../src';
import { eventually, expectCleanWire, expectNoSecrets, issuedTokens, record, settle, setupDialects, signIn } from './support';

const env = setupDialects();
const oauth = { protocol: 'oauth', clientId: 'tokenflight', autoRefresh: false } as const;
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const revokeCalls = () => env.wire.filter((e) => e.path === '/oauth/revoke');

describe('logout revocation', () => {
  it('RFC 7009: form-encoded token + token_type_hint=refresh_token + client_id; 200 is success', async () => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    const refreshToken = (JSON.parse(env.tokenCalls()[0]?.responseBody ?? '') as { refresh_token: string }).refresh_token;
    const { revocation } = await auth.logout();
    expect(auth.session.status).toBe('unauthenticated');
    await expect(revocation).resolves.toBe(true);
    const [call] = revokeCalls();
    expect(call?.status).toBe(200);
    expect(call?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form(call?.body ?? '')).toEqual({ token: refreshToken, token_type_hint: 'refresh_token', client_id: 'tokenflight' });
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
    expectCleanWire(env.wire, server);
  });

  it('JSON logout endpoint: { refreshToken } and a 204', async () => {
    const server = env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    const call = env.tokenCalls().find((c) => c.path === '/auth/logout');
    expect(Object.keys(JSON.parse(call?.body ?? '{}') as object)).toEqual(['refreshToken']);
    expect(server.counters.revocations).toBe(1);
  });

  it('a 503 is retried later (Retry-After honoured) without a session:error', async () => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    const log = record(auth);
    server.inject('revoke', { type: 'status', status: 503, headers: { 'retry-after': '5' } });
    const { revocation } = await auth.logout();
    expect(auth.session.status).toBe('unauthenticated');
    await expect(revocation).resolves.toBe(false); // not yet: retried in the background
    await vi.advanceTimersByTimeAsync(4_900);
    await settle();
    expect(revokeCalls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await eventually(() => revokeCalls().length === 2);
    expect(revokeCalls().map((c) => c.status)).toEqual([503, 200]);
    expect((revokeCalls()[1]?.at ?? 0) - (revokeCalls()[0]?.at ?? 0)).toBe(5_000);
    expect(form(revokeCalls()[1]?.body ?? '')).toEqual(form(revokeCalls()[0]?.body ?? ''));
    expect(server.keys('ada').every((k) => k.revokedAt !== null)).toBe(true);
    expect(log.of('session:error')).toEqual([]);
  });

  it('transient failures are retried a bounded number of times with growing delays, then one session:error', async () => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    const log = record(auth);
    server.inject('revoke', { type: 'status', status: 503 }, 100);
    await auth.logout();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();
    }
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    await settle();
    const at = revokeCalls().map((c) => c.at);
    expect(at).toHaveLength(4);
    // Backoff 1 s, 2 s, 4 s steps with jitter (random 0.5 → 75 % of each step).
    expect(at.slice(1).map((t, i) => t - (at[i] ?? 0))).toEqual([750, 1500, 3000]);
    expect(log.of('session:error')).toEqual([{ operation: 'revoke', code: 'revoke-failed', message: expect.any(String) }]);
    expect(server.keys('ada').some((k) => k.revokedAt === null)).toBe(true);
    expectNoSecrets([log.events], issuedTokens(env.wire));
  });

  it.each([
    ['invalid_client (401)', { type: 'oauth-error', error: 'invalid_client' }, 'revoke-rejected'],
    ['unsupported_token_type (400)', { type: 'oauth-error', error: 'unsupported_token_type' }, 'revoke-rejected'],
  ] as const)('a refusal, %s, is not retried and surfaces as session:error', async (_name, fault, code) => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    const log = record(auth);
    server.inject('revoke', fault);
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(3_600_000);
    await settle();
    expect(revokeCalls()).toHaveLength(1);
    expect(log.of('session:error')).toMatchObject([{ operation: 'revoke', code }]);
    expect(log.of('session:error')[0]?.message).toContain(fault.error);
  });

  it('invalid_grant from the revocation endpoint means nothing is left to revoke: success', async () => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    const log = record(auth);
    server.inject('revoke', { type: 'oauth-error', error: 'invalid_grant' });
    const { revocation } = await auth.logout();
    await expect(revocation).resolves.toBe(true);
    expect(log.of('session:error')).toEqual([]);
  });

  it('never blocks the local logout: storage cleared and session:end at once while the server hangs', async () => {
    const server = env.server();
    const storage = memoryStorage();
    const auth = env.client({ ...oauth, storage, lock: false, channel: false });
    await signIn(auth);
    const log = record(auth);
    server.inject('revoke', { type: 'delay', ms: 60_000 });
    const done = auth.logout();
    let settled = false;
    void done.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(true);
    expect(auth.session.status).toBe('unauthenticated');
    expect(await storage.getItem('tokenflight.session')).toBeNull();
    expect(log.of('session:end')).toEqual([{ reason: 'logout', origin: 'local' }]);
    const { revocation } = await done;
    await vi.advanceTimersByTimeAsync(30_000); // the call times out (default 30 s) and is retried later
    await expect(revocation).resolves.toBe(false);
  });

  it('dispose() cancels pending revocation retries', async () => {
    const server = env.server();
    const auth = env.client(oauth);
    await signIn(auth);
    server.inject('revoke', { type: 'status', status: 503 }, 10);
    const { revocation } = await auth.logout();
    await revocation;
    expect(revokeCalls()).toHaveLength(1);
    auth.dispose();
    await vi.advanceTimersByTimeAsync(3_600_000);
    await settle();
    expect(revokeCalls()).toHaveLength(1);
  });
});
