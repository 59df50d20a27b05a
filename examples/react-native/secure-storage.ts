// README: Security notes (secure store on React Native).
import * as SecureStore from 'expo-secure-store';
import { AppState } from 'react-native';
import { createNativeAuthClient, secureStorage, splitStorage } from 'tokenflight/react-native';

const auth = createNativeAuthClient({
  baseUrl: 'https://api.example.com/',
  AppState,
  storage: splitStorage(secureStorage(SecureStore)),
});

export { auth };
