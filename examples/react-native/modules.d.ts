// Minimal declarations of the React Native modules the example uses, so it type-checks without
// installing react-native or Expo in this repository. In the app, the real packages provide these
// types (its tsconfig.json leaves this file out).

declare module 'react-native' {
  import type { ComponentType, ReactNode } from 'react';

  type Style = Readonly<Record<string, string | number>>;
  export const AppState: {
    readonly currentState: string | null;
    addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
  };
  export const View: ComponentType<{ style?: Style; children?: ReactNode }>;
  export const Text: ComponentType<{ style?: Style; children?: ReactNode; accessibilityRole?: 'header' | 'alert' | 'text' }>;
  export const TextInput: ComponentType<{
    value: string;
    onChangeText: (text: string) => void;
    placeholder?: string;
    secureTextEntry?: boolean;
    autoCapitalize?: 'none' | 'sentences';
    style?: Style;
  }>;
  export const Button: ComponentType<{ title: string; onPress: () => void; disabled?: boolean }>;
  export const ActivityIndicator: ComponentType<{ size?: 'small' | 'large' }>;
}

declare module '@react-native-community/netinfo' {
  const NetInfo: { addEventListener(listener: (state: { isConnected: boolean | null }) => void): () => void };
  export default NetInfo;
}

declare module 'expo-secure-store' {
  export function getItemAsync(key: string): Promise<string | null>;
  export function setItemAsync(key: string, value: string): Promise<void>;
  export function deleteItemAsync(key: string): Promise<void>;
}

declare module 'react-native-keychain' {
  export function setGenericPassword(username: string, password: string, options?: { service?: string }): Promise<false | { service: string }>;
  export function getGenericPassword(options?: { service?: string }): Promise<false | { username: string; password: string }>;
  export function resetGenericPassword(options?: { service?: string }): Promise<boolean>;
}

declare module 'expo' {
  import type { ComponentType } from 'react';

  export function registerRootComponent(component: ComponentType): void;
}

declare module 'expo-status-bar' {
  import type { ComponentType } from 'react';

  export const StatusBar: ComponentType<{ style?: 'auto' | 'light' | 'dark' }>;
}

declare module 'expo-web-browser' {
  export function openAuthSessionAsync(url: string, redirectUrl: string): Promise<{ type: 'success'; url: string } | { type: 'cancel' | 'dismiss' | 'locked' }>;
  export function maybeCompleteAuthSession(): { type: 'success' | 'failed'; message: string };
}
