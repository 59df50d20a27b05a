// react-native-keychain instead of expo-secure-store: `npm install react-native-keychain`, then a
// development build (`npx expo run:ios` / `npx expo run:android`): Expo Go does not include it.
// Use it in auth.ts as `storage: keychainStorage()`.
import * as Keychain from 'react-native-keychain';
import { keychainStore, secureStorage, splitStorage, type StorageAdapter } from 'tokenflight/react-native';

/** Refresh token in the Keychain/Keystore through react-native-keychain, access token in memory. */
export const keychainStorage = (): StorageAdapter => splitStorage(secureStorage(keychainStore(Keychain)));
