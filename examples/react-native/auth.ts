// Import tokenflight/react-native before anything that loads `tokenflight` (tokenflight/react included):
// its first job is to install the AbortSignal polyfills Hermes lacks, before ky loads.
import { asyncStorage, createNativeAuthClient, secureStorage, splitStorage, type StorageAdapter } from 'tokenflight/react-native';
import AsyncStorage from '@react-native-async-storage/async-storage';
import NetInfo from '@react-native-community/netinfo';
import * as SecureStore from 'expo-secure-store';
import { AppState } from 'react-native';
import { API_URL } from './config';

/** Where the session lives. Pick one (react-native-keychain instead of expo-secure-store: keychain-storage.ts). */
export const storageChoices = {
  /** Refresh token in the Keychain/Keystore (values over expo-secure-store's 2 KB limit are split), access token in memory. */
  secureStore: (): StorageAdapter => splitStorage(secureStorage(SecureStore)),
  /** Plain AsyncStorage: unencrypted, for development builds or low-value sessions. */
  asyncStorage: (): StorageAdapter => asyncStorage(AsyncStorage),
};

/**
 * One client for the app's lifetime. AppState pauses the background refresh and re-checks expiry
 * when the app comes back; NetInfo makes a failed refresh retry as soon as the network returns.
 */
export const auth = createNativeAuthClient({
  baseUrl: API_URL,
  AppState,
  NetInfo,
  storage: storageChoices.secureStore(),
});
