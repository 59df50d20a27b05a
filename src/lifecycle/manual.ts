import type { LifecycleSignal, LifecycleSource } from './signals';

export type ManualLifecycle = LifecycleSource & { emit(signal: LifecycleSignal): void };

/** A lifecycle driven by `emit`, for tests and custom platforms. */
export function manualLifecycle(initial: { visible?: boolean; online?: boolean } = {}): ManualLifecycle {
  let visible = initial.visible ?? true;
  let online = initial.online ?? true;
  const listeners = new Set<(signal: LifecycleSignal) => void>();
  return {
    isVisible: () => visible,
    isOnline: () => online,
    subscribe(fn) {
      const entry = (signal: LifecycleSignal) => fn(signal);
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    emit(signal) {
      if (signal === 'visible' || signal === 'hidden') visible = signal === 'visible';
      else online = signal === 'online';
      for (const fn of [...listeners]) fn(signal);
    },
  };
}
