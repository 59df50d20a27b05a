export type LifecycleSignal = 'visible' | 'hidden' | 'online' | 'offline';

export interface LifecycleSource {
  subscribe(fn: (signal: LifecycleSignal) => void): () => void;
  isVisible(): boolean;
  isOnline(): boolean;
}

/** Always visible and online, never signals: Node, SSR, workers without a document. */
export const inertLifecycle: LifecycleSource = Object.freeze({
  subscribe: () => () => {},
  isVisible: () => true,
  isOnline: () => true,
});
