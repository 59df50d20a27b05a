import type { SecureStoreLike } from './secure';

/** react-native-keychain's generic password API (structural). */
export interface KeychainLike {
  setGenericPassword(username: string, password: string, options?: { service?: string }): Promise<unknown>;
  getGenericPassword(options?: { service?: string }): Promise<false | { password: string }>;
  resetGenericPassword(options?: { service?: string }): Promise<unknown>;
}

/** Maps react-native-keychain onto the SecureStoreLike shape; each key is its own service. */
export function keychainStore(keychain: KeychainLike): SecureStoreLike {
  return {
    getItemAsync: async (key) => {
      const entry = await keychain.getGenericPassword({ service: key });
      return entry ? entry.password : null;
    },
    setItemAsync: async (key, value) => void (await keychain.setGenericPassword(key, value, { service: key })),
    deleteItemAsync: async (key) => void (await keychain.resetGenericPassword({ service: key })),
  };
}
