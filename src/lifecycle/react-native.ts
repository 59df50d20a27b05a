import type { LifecycleSignal, LifecycleSource } from './signals';

/** The `AppState` export of react-native (structural: react-native is never imported). */
export interface AppStateLike {
  readonly currentState: string | null | undefined;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void } | void;
  /** React Native < 0.65, where `addEventListener` returned nothing. */
  removeEventListener?(type: 'change', listener: (state: string) => void): void;
}

/** `@react-native-community/netinfo`'s default export (structural). */
export interface NetInfoLike {
  addEventListener(listener: (state: { isConnected: boolean | null }) => void): () => void;
}

const hidden = (state: string | null | undefined): boolean => state === 'background' || state === 'inactive';

/**
 * 'active' -> visible, 'background' | 'inactive' -> hidden. Offline only when NetInfo reports
 * `isConnected === false` (null means unknown and counts as online).
 */
export function reactNativeLifecycle(deps: { AppState: AppStateLike; NetInfo?: NetInfoLike }): LifecycleSource {
  const { AppState, NetInfo } = deps;
  let online = true;
  return {
    isVisible: () => !hidden(AppState.currentState),
    isOnline: () => online,
    subscribe(fn: (signal: LifecycleSignal) => void) {
      const onChange = (state: string): void => {
        if (state === 'active') fn('visible');
        else if (hidden(state)) fn('hidden');
      };
      const sub = AppState.addEventListener('change', onChange);
      let last = online;
      const stopNet = NetInfo?.addEventListener(({ isConnected }) => {
        online = isConnected !== false;
        if (online !== last) fn((last = online) ? 'online' : 'offline');
      });
      return () => {
        if (sub && typeof sub.remove === 'function') sub.remove();
        else AppState.removeEventListener?.('change', onChange);
        stopNet?.();
      };
    },
  };
}
