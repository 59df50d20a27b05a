import type { EventTargetLike } from './env';
import { listen } from './env';
import { inertLifecycle } from './signals';
import type { LifecycleSignal, LifecycleSource } from './signals';

/** The parts of a browser global the lifecycle reads; `globalThis` fits. */
export interface BrowserLifecycleTarget {
  document?: EventTargetLike & { visibilityState?: string };
  navigator?: { onLine?: boolean };
  addEventListener?: EventTargetLike['addEventListener'];
  removeEventListener?: EventTargetLike['removeEventListener'];
}

/**
 * Visibility (document `visibilitychange`, window `focus`/`pageshow`) and connectivity
 * (`online`/`offline`, `navigator.onLine`). Inert when there is no document or window (Node, SSR).
 */
export function browserLifecycle(target: BrowserLifecycleTarget = globalThis): LifecycleSource {
  const doc = target.document;
  if (!doc || !target.addEventListener || !target.removeEventListener) return inertLifecycle;
  const win = target as EventTargetLike;
  const isVisible = (): boolean => doc.visibilityState !== 'hidden';
  const isOnline = (): boolean => target.navigator?.onLine !== false;
  return {
    isVisible,
    isOnline,
    subscribe(fn: (signal: LifecycleSignal) => void) {
      const emit = (signal: LifecycleSignal) => () => fn(signal);
      return listen([
        [doc, 'visibilitychange', () => fn(isVisible() ? 'visible' : 'hidden')],
        [win, 'focus', emit('visible')],
        [win, 'pageshow', emit('visible')],
        [win, 'online', emit('online')],
        [win, 'offline', emit('offline')],
      ]);
    },
  };
}
