import { parseSyncMessage, toWire } from './messages';
import type { SyncChannel, SyncMessage } from './messages';

/** The parts of `BroadcastChannel` used here (structural). */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: unknown) => void): void;
}
export type BroadcastChannelCtor = new (name: string) => BroadcastChannelLike;

/**
 * Cross-context channel over BroadcastChannel, created lazily on first use. A no-op when
 * BroadcastChannel is unavailable. Incoming data is validated with `parseSyncMessage`.
 */
export function broadcastChannel(
  name: string,
  Ctor: BroadcastChannelCtor | undefined = (globalThis as { BroadcastChannel?: BroadcastChannelCtor }).BroadcastChannel,
): SyncChannel {
  const listeners = new Set<(msg: SyncMessage) => void>();
  let channel: BroadcastChannelLike | undefined;
  let closed = false;
  const open = (): BroadcastChannelLike | undefined => {
    if (!channel && !closed && Ctor) {
      channel = new Ctor(name);
      (channel as { unref?: () => void }).unref?.(); // Node: never keep the process alive
      channel.addEventListener('message', (event) => {
        const msg = parseSyncMessage((event as { data?: unknown }).data);
        if (msg) for (const fn of [...listeners]) fn(msg);
      });
    }
    return channel;
  };
  return {
    post(msg) {
      try {
        // Only the known fields leave the context (never anything a caller might have added).
        const copy = toWire(msg);
        if (copy !== null) open()?.postMessage(copy);
      } catch {
        // A closed or unusable channel: other contexts still converge through storage.
      }
    },
    subscribe(fn) {
      if (closed) return () => {};
      const entry = (msg: SyncMessage) => fn(msg);
      listeners.add(entry);
      open();
      return () => void listeners.delete(entry);
    },
    close() {
      closed = true;
      listeners.clear();
      channel?.close();
      channel = undefined;
    },
  };
}
