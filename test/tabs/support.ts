import { localChannelHub, localLock, memoryStorage, type AuthClient, type AuthClientOptions, type AuthEventName, type AuthEvents, type StorageAdapter } from '../../src';
import type { setup } from '../client/support';
import type { LockManagerLike } from '../../src/sync';

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

/**
 * navigator.locks as one origin's tabs share it: exclusive and shared modes, FIFO, `signal` aborts a
 * waiting request; `query()` answers after a 1 ms round trip with the state at the time it was asked.
 */
export function fakeNavigatorLocks(): LockManagerLike {
  type Waiter = { mode: 'exclusive' | 'shared'; grant: () => void };
  const held = new Map<string, { mode: 'exclusive' | 'shared'; count: number }>();
  const queues = new Map<string, Waiter[]>();
  const pump = (name: string) => {
    const queue = queues.get(name) ?? [];
    while (queue.length) {
      const next = queue[0] as Waiter;
      const h = held.get(name);
      if (h && (h.mode === 'exclusive' || next.mode === 'exclusive')) return;
      queue.shift();
      held.set(name, { mode: next.mode, count: (h?.count ?? 0) + 1 });
      next.grant();
    }
  };
  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          mode: options.mode,
          grant: () => {
            options.signal?.removeEventListener('abort', onAbort);
            void (async () => {
              try {
                resolve(await callback());
              } catch (error) {
                reject(error);
              } finally {
                const h = held.get(name);
                if (h && --h.count === 0) held.delete(name);
                pump(name);
              }
            })();
          },
        };
        const onAbort = () => {
          const queue = queues.get(name) ?? [];
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        };
        options.signal?.addEventListener('abort', onAbort);
        queues.set(name, [...(queues.get(name) ?? []), waiter]);
        pump(name);
      });
    },
    async query() {
      const snapshot = [...held.keys()].map((name) => ({ name }));
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      return { held: snapshot };
    },
  };
}
