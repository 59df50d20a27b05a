import { createAuthClient, reactNativeLifecycle, type AppStateLike, type AuthClient, type AuthClientOptions, type NetInfoLike } from '../index';
import { installPolyfills } from './polyfills';

export interface NativeAuthClientOptions extends Omit<AuthClientOptions, 'lifecycle' | 'lock' | 'channel'> {
  /** `AppState` from react-native: refreshes are paused in the background and re-checked on resume. */
  AppState: AppStateLike;
  /** `@react-native-community/netinfo`'s default export: waits for the network before retrying. */
  NetInfo?: NetInfoLike;
}

/**
 * `createAuthClient` wired for a React Native app: lifecycle from `AppState` (and `NetInfo`), no
 * cross-tab lock or channel (one JS context), polyfills checked. Pass the storage you chose, e.g.
 * `splitStorage(secureStorage(SecureStore))` (refresh token in the Keychain/Keystore, access token in
 * memory) or `asyncStorage(AsyncStorage)`.
 * @example
 * const auth = createNativeAuthClient({ baseUrl: 'https://api.example.com/', AppState, NetInfo, storage: splitStorage(secureStorage(SecureStore)) });
 */
export function createNativeAuthClient(options: NativeAuthClientOptions): AuthClient {
  installPolyfills();
  const { AppState, NetInfo, ...rest } = options;
  return createAuthClient({
    ...rest,
    lifecycle: reactNativeLifecycle(NetInfo === undefined ? { AppState } : { AppState, NetInfo }),
    lock: false,
    channel: false,
  });
}
