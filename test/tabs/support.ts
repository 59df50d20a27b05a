import { localChannelHub, localLock, memoryStorage, type AuthClient, type AuthClientOptions, type AuthEventName, type AuthEvents, type StorageAdapter } from '../../src';
import type { setup } from '../client/support';

/**
 * `n` clients standing for tabs of one origin: one shared store, one shared lock and one channel
 * hub (a channel per tab), like localStorage, navigator.locks and BroadcastChannel in a browser.
 */
export function tabs(env: ReturnType<typeof setup>, n: number, options: Partial<AuthClientOptions> = {}) {
  const storage: StorageAdapter = options.storage ?? memoryStorage();
  const lock = localLock();
  const hub = localChannelHub();
  const open = (extra: Partial<AuthClientOptions> = {}): AuthClient =>
    env.client({ storage, lock, channel: hub.channel(), ...options, ...extra });
  return { storage, lock, hub, open, clients: Array.from({ length: n }, () => open()) };
}

export const LOCK_NAME = 'tokenflight:tokenflight.session';

/** A fetch that remembers its calls in flight, so a test can wait for fire-and-forget requests (revocation) to finish. */
export function trackedFetch() {
  const pending = new Set<Promise<unknown>>();
  const tracked: typeof fetch = (input, init) => {
    const call = fetch(input, init);
    const entry = call.catch(() => undefined);
    pending.add(entry);
    void entry.finally(() => pending.delete(entry));
    return call;
  };
  return {
    fetch: tracked,
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** The next `type` event of a client, as a promise: to wait for work that finishes off the fake clock. */
export function nextEvent<K extends AuthEventName>(client: AuthClient, type: K): Promise<AuthEvents[K]> {
  return new Promise((resolve) => {
    const stop = client.on(type, (payload) => {
      stop();
      resolve(payload);
    });
  });
}
