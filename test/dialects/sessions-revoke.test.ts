import { describe, expect, it } from 'vitest';
import { ErrorCode, isTokenflightError, localChannelHub, localLock, memoryStorage } from '../../src';
import { caught, eventually, record, setupDialects, signIn } from './support';

const env = setupDialects();
const deletes = () => env.wire.filter((e) => e.method === 'DELETE');

describe('auth.sessions.revoke: ids', () => {
  it.each([
    ['empty', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['a control character', 'a\nb'],
    ['a lone surrogate', '\uD800'],
    ['longer than 256 characters', 'x'.repeat(257)],
    ['not a string', 42 as unknown as string],
  ])('%s: a typed InvalidArgumentError (never a TypeError), and nothing is sent', async (_name, jti) => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const error = await caught(auth.sessions.revoke(jti));
    expect(isTokenflightError(error, ErrorCode.InvalidArgument)).toBe(true);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).name).toBe('InvalidArgumentError');
    expect(deletes()).toEqual([]);
    expect(auth.session.status).toBe('authenticated');
  });

  it('ids that only look like dot segments once decoded stay one segment under keys/', async () => {
    env.server();
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    for (const jti of ['%2e%2e', '.%2E', '...', './x', '..\\admin']) expect(await auth.sessions.revoke(jti)).toBe(false);
    const paths = deletes().map((e) => e.path);
    expect(paths).toEqual(['/auth/keys/%252e%252e', '/auth/keys/.%252E', '/auth/keys/...', '/auth/keys/.%2Fx', '/auth/keys/..%5Cadmin']);
  });
});

describe('auth.sessions.revoke: the session this client holds', () => {
  it('list() marks it current (from the access token`s sid); revoking it signs out at once, like a logout, and other tabs follow', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const storage = memoryStorage();
    const hub = localChannelHub();
    const lock = localLock();
    const tab = env.client({ autoRefresh: false, storage, lock, channel: hub.channel(), deviceInfo: 'laptop' });
    const phone = env.client({ autoRefresh: false, deviceInfo: 'phone' });
    await signIn(tab);
    await signIn(phone);
    const other = env.client({ autoRefresh: false, storage, lock, channel: hub.channel(), deviceInfo: 'laptop' });
    await other.ready;
    expect(other.session.status).toBe('authenticated');
    const tabLog = record(tab);
    const otherLog = record(other);

    const sessions = await tab.sessions.list();
    expect(sessions.filter((s) => s.current).map((s) => s.deviceInfo)).toEqual(['laptop']);
    expect((await phone.sessions.list()).filter((s) => s.current).map((s) => s.deviceInfo)).toEqual(['phone']);

    // Another device: this client's session goes on.
    expect(await tab.sessions.revoke(sessions.find((s) => s.deviceInfo === 'phone')?.jti ?? '')).toBe(true);
    expect(tab.session.status).toBe('authenticated');

    const own = sessions.find((s) => s.current)?.jti ?? '';
    const calls = env.wire.length;
    expect(await tab.sessions.revoke(own)).toBe(true);
    // Ended when revoke() resolves: no waiting for the next refresh.
    expect(tab.session.status).toBe('unauthenticated');
    expect(tabLog.of('session:end')).toEqual([{ reason: 'revoked', origin: 'local' }]);
    expect(await storage.getItem('tokenflight.session')).toBeNull();
    await eventually(() => other.session.status === 'unauthenticated');
    expect(otherLog.of('session:end')).toHaveLength(1);
    // Nothing was sent for it but the DELETE itself: no revocation call, no refresh.
    expect(env.wire.slice(calls).map((e) => `${e.method} ${e.path}`)).toEqual([`DELETE /auth/keys/${own}`]);
    expect(server.keys('ada').filter((k) => k.deviceInfo === 'laptop').every((k) => k.revokedAt !== null)).toBe(true);

    // Its access token is no longer used.
    await caught(tab.http.get('api/me'));
    expect(env.wire.at(-1)?.headers['authorization']).toBeUndefined();
    expect(tabLog.of('session:end')).toHaveLength(1);
  });

  it('without a list() the client cannot tell: it ends at its next refresh, as before', async () => {
    const server = env.server({ accessTokenTtl: 300 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const own = server.keys('ada')[0]?.jti ?? '';
    expect(await auth.sessions.revoke(own)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
    await caught(auth.refresh());
    expect(auth.session.status).toBe('unauthenticated');
  });

  it('a current mark seen in an earlier session never ends a later one', async () => {
    env.server({ accessTokenTtl: 300 });
    const auth = env.client({ autoRefresh: false });
    await signIn(auth);
    const before = (await auth.sessions.list()).find((s) => s.current)?.jti ?? '';
    await auth.logout();
    await signIn(auth);
    const log = record(auth);
    expect(await auth.sessions.revoke(before)).toBe(true);
    expect(auth.session.status).toBe('authenticated');
    expect(log.of('session:end')).toEqual([]);
  });
});
