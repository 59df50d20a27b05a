import { decodeSession, encodeSession } from './codec';
import type { StorageAdapter } from './types';

/**
 * Persists the refresh token and metadata in `secure`, keeps the access token in memory only.
 * After a restart (or in another context) the session loads with `accessToken: null`.
 */
export function splitStorage(secure: StorageAdapter): StorageAdapter {
  // `only`: a cookie-mode session (no refresh token) has nothing worth persisting, so it lives here alone.
  const memory = new Map<string, { raw: string; generation: number; only: boolean }>();
  const adapter: StorageAdapter = {
    async getItem(key) {
      const raw = await secure.getItem(key);
      const held = memory.get(key);
      if (raw == null) return held?.only ? held.raw : raw;
      const decoded = decodeSession(raw);
      return held && decoded.ok && decoded.session.generation === held.generation ? held.raw : raw;
    },
    async setItem(key, value) {
      const decoded = decodeSession(value);
      if (!decoded.ok) {
        memory.delete(key);
        return secure.setItem(key, value);
      }
      const { session } = decoded;
      const only = session.refreshToken === null;
      memory.set(key, { raw: value, generation: session.generation, only });
      await (only ? secure.removeItem(key) : secure.setItem(key, encodeSession({ ...session, accessToken: null, expiresAt: 0 })));
    },
    async removeItem(key) {
      memory.delete(key);
      await secure.removeItem(key);
    },
  };
  if (secure.subscribe) adapter.subscribe = secure.subscribe.bind(secure);
  return adapter;
}
