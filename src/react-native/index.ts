/**
 * tokenflight/react-native: the whole core, with the AbortSignal polyfills Hermes needs installed
 * before ky loads, and `createNativeAuthClient` wired to AppState and NetInfo objects the app passes
 * in (react-native itself is never imported).
 */
// First import, on purpose: ky reads `AbortSignal.any` when it loads.
import { installPolyfills } from './polyfills';
import { createAuthClient as createCoreClient, type AuthClient, type AuthClientOptions } from '../index';

export * from '../index';
export { installPolyfills, type PolyfillName, type PolyfillTarget } from './polyfills';
export { createNativeAuthClient, type NativeAuthClientOptions } from './native-client';

/** The core `createAuthClient`, checking the polyfills first (in case a bundler reordered the imports). */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  installPolyfills();
  return createCoreClient(options);
}
