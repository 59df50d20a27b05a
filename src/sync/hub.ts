import { toWire, type SyncChannel, type SyncMessage } from './messages';

/**
 * In-process hub: a message posted on one channel reaches every OTHER open channel of the hub
 * in a microtask. For tests and several clients in one Node process.
 */
export function localChannelHub(): { channel(): SyncChannel } {
  const members = new Set<Set<(msg: SyncMessage) => void>>();
  return {
    channel() {
      const listeners = new Set<(msg: SyncMessage) => void>();
      members.add(listeners);
      return {
        post(msg) {
          if (!members.has(listeners)) return;
          const parsed = toWire(msg);
          if (parsed === null) return;
          const copy = Object.freeze(parsed);
          for (const other of members) {
            if (other !== listeners) queueMicrotask(() => other.forEach((fn) => members.has(other) && fn(copy)));
          }
        },
        subscribe(fn) {
          if (!members.has(listeners)) return () => {};
          const entry = (msg: SyncMessage) => fn(msg);
          listeners.add(entry);
          return () => void listeners.delete(entry);
        },
        close() {
          members.delete(listeners);
          listeners.clear();
        },
      };
    },
  };
}
