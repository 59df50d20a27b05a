import { createContext } from './context';
import { createDispatcher } from './dispatch';
import { createMswHandlers } from './msw-face';
import { resolveOptions } from './options';
import { cleanDeviceInfo } from './sessions';
import { isSubsetScope, normaliseScope } from './scope';
import type { AuthServer, AuthServerOptions, ListenOptions, ListeningServer, MintRefreshKeyOptions } from './types';

/** The reference auth server: one in-memory model, an MSW face and a loopback HTTP face. */
export function createAuthServer(options: AuthServerOptions = {}): AuthServer {
  const resolved = resolveOptions(options);
  const ctx = createContext(resolved);
  const handle = createDispatcher(ctx);

  function userOrThrow(username: string) {
    const user = ctx.sessions.user(username);
    if (!user) throw new Error(`Unknown user: ${username}`);
    return user;
  }

  return {
    origin: resolved.origin,
    handlers: createMswHandlers(resolved.origin, handle),
    handle,
    listen: async (listenOptions?: ListenOptions): Promise<ListeningServer> => {
      const { listenOnLoopback } = await import('./node-face');
      return listenOnLoopback(handle, listenOptions);
    },
    get counters() {
      return ctx.counters.snapshot();
    },
    resetCounters: () => ctx.counters.reset(),
    inject: (endpoint, fault, times = 1) => ctx.faults.inject(endpoint, fault, times),
    clearFaults: () => ctx.faults.clear(),
    expireAccessTokens: () => ctx.access.expireAll(),
    setClockOffset: (ms) => ctx.clock.setOffset(ms),
    async mintRefreshKey(mint: MintRefreshKeyOptions) {
      if (!Number.isFinite(mint.lifetime) || mint.lifetime <= 0) throw new RangeError('lifetime must be positive seconds');
      const started = await ctx.sessions.start({
        user: userOrThrow(mint.username),
        audience: mint.audience,
        lifetime: mint.lifetime,
        deviceInfo: cleanDeviceInfo(mint.deviceInfo),
        ...(mint.content === undefined ? {} : { content: mint.content }),
      });
      return { refreshKey: started.refreshToken, jti: started.record.jti, expiresAt: started.record.expiresAt };
    },
    keys: (username) => ctx.store.list(username === undefined ? undefined : (record) => record.username === username),
    revokeKey(jti) {
      const record = ctx.store.get(jti);
      const revoked = record ? ctx.revokeFamily(record.familyId) > 0 : false;
      if (revoked) ctx.counters.increment('revocations');
      return revoked;
    },
    dpop: {
      requireNonce: (faces) => ctx.dpop.nonces.require(faces),
      rotateNonceEvery: (count) => ctx.dpop.nonces.rotateEvery(count),
      rotateNonce: () => ctx.dpop.nonces.rotate(),
      rejectNextProof: (times) => ctx.dpop.rejectNextProof(times),
      boundKey: (jti) => {
        const record = ctx.store.get(jti);
        return record === undefined ? undefined : ctx.dpop.boundTo(record.familyId);
      },
    },
    async issueTokens(username, issue = {}) {
      const user = userOrThrow(username);
      const scope = issue.scope === undefined ? user.scope : normaliseScope(issue.scope);
      if (!isSubsetScope(scope, user.scope)) throw new Error(`Scope "${scope}" exceeds the scope of ${username}`);
      const started = await ctx.sessions.start({
        user,
        audience: issue.audience ?? resolved.audience,
        lifetime: resolved.refreshKeyLifetime,
        deviceInfo: cleanDeviceInfo(issue.deviceInfo),
        content: { scope },
      });
      const pair = await ctx.sessions.pair(started.record, started.refreshToken);
      return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn };
    },
  };
}
