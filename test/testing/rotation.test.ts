import { describe, expect, it, vi } from 'vitest';
import { leeway } from '../../src/testing';
import { login, refresh, setupAuthMsw, useFakeClock, type AuthBody } from './support';

const start = setupAuthMsw();

async function pairOf(response: Response): Promise<AuthBody> {
  expect(response.status).toBe(200);
  return (await response.json()) as AuthBody;
}

describe('strict rotation', () => {
  it('rotates: a new pair, the parent marked rotated, the child in the same family', async () => {
    const server = start();
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const [parent, child] = server.keys('ada');
    expect(parent?.rotatedAt).toEqual(expect.any(Number));
    expect(parent?.lastUsedAt).toEqual(expect.any(Number));
    expect(child).toMatchObject({ parentJti: parent?.jti, familyId: parent?.familyId, rotatedAt: null, revokedAt: null });
  });

  it('revokes the whole family on reuse and counts the detection', async () => {
    const server = start();
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    const reuse = await refresh(server, first.refreshToken);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(server.counters.reuseDetections).toBe(1);
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
    const afterwards = await refresh(server, second.refreshToken);
    expect(afterwards.status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
  });

  it('leaves other families alone on reuse', async () => {
    const server = start();
    const victim = await login(server);
    const other = await login(server);
    await refresh(server, victim.refreshToken);
    await refresh(server, victim.refreshToken);
    expect((await refresh(server, other.refreshToken)).status).toBe(200);
  });

  it('answers invalid_grant for unknown, expired and revoked tokens without detection', async () => {
    useFakeClock();
    const server = start({ refreshKeyLifetime: 60 });
    expect((await refresh(server, 'not-a-token')).status).toBe(401);
    const expiring = await login(server);
    vi.advanceTimersByTime(60_000);
    const expired = await refresh(server, expiring.refreshToken);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
    expect(server.counters.reuseDetections).toBe(0);
    const missing = await fetch(`${server.origin}/auth/refresh`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('never extends the family lifetime on rotation', async () => {
    useFakeClock();
    const server = start({ refreshKeyLifetime: 100 });
    let tokens = await login(server);
    const familyExpiry = server.keys('ada')[0]?.expiresAt;
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(30_000);
      tokens = await pairOf(await refresh(server, tokens.refreshToken));
    }
    expect(new Set(server.keys('ada').map((key) => key.expiresAt))).toEqual(new Set([familyExpiry]));
    vi.advanceTimersByTime(10_000);
    expect((await refresh(server, tokens.refreshToken)).status).toBe(401);
  });

  it('stores only hashes: no raw refresh or access token in the records', async () => {
    const server = start();
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    const dump = JSON.stringify(server.keys());
    for (const token of [first.refreshToken, second.refreshToken, first.accessToken, second.accessToken]) {
      expect(dump).not.toContain(token);
    }
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(second.refreshToken).digest('hex');
    expect(server.keys('ada')[1]?.tokenHash).toBe(hash);
  });
});

describe('leeway rotation', () => {
  it('returns the current pair again when the immediate parent is reused within the window', async () => {
    useFakeClock();
    const server = start({ rotation: leeway(10) });
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    vi.advanceTimersByTime(9_000);
    const again = await pairOf(await refresh(server, first.refreshToken));
    expect(again).toEqual(second);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.keys('ada')).toHaveLength(2);
    expect((await refresh(server, second.refreshToken)).status).toBe(200);
  });

  it('revokes the family when the parent is reused after the window', async () => {
    useFakeClock();
    const server = start({ rotation: { leeway: 10 } });
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    vi.advanceTimersByTime(10_001);
    expect((await refresh(server, first.refreshToken)).status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
    expect((await refresh(server, second.refreshToken)).status).toBe(401);
  });

  it('revokes the family when an older ancestor is reused, even within the window', async () => {
    useFakeClock();
    const server = start({ rotation: leeway(10) });
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    const third = await pairOf(await refresh(server, second.refreshToken));
    const reuse = await refresh(server, first.refreshToken);
    expect(reuse.status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
    expect((await refresh(server, third.refreshToken)).status).toBe(401);
  });

  it('never writes the cached pair into a record', async () => {
    const server = start({ rotation: leeway(30) });
    const first = await login(server);
    const second = await pairOf(await refresh(server, first.refreshToken));
    const dump = JSON.stringify(server.keys());
    expect(dump).not.toContain(second.refreshToken);
    expect(dump).not.toContain(second.accessToken);
  });
});

describe('rotation off', () => {
  it('returns the same refresh token and keeps accepting it', async () => {
    useFakeClock();
    const server = start({ rotation: 'off' });
    const first = await login(server);
    vi.advanceTimersByTime(1_000);
    const second = await pairOf(await refresh(server, first.refreshToken));
    const third = await pairOf(await refresh(server, first.refreshToken));
    expect(second.refreshToken).toBe(first.refreshToken);
    expect(third.refreshToken).toBe(first.refreshToken);
    expect(third.accessToken).not.toBe(first.accessToken);
    const [record] = server.keys('ada');
    expect(server.keys('ada')).toHaveLength(1);
    expect(record?.lastUsedAt).toBe(Date.now());
    expect(record?.rotatedAt).toBeNull();
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('still refuses a revoked token', async () => {
    const server = start({ rotation: 'off' });
    const first = await login(server);
    const [record] = server.keys('ada');
    expect(server.revokeKey(record?.jti ?? '')).toBe(true);
    expect((await refresh(server, first.refreshToken)).status).toBe(401);
  });
});
