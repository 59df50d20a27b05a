// Code flow in React Native / Expo: "give me the URL", "here is the redirect URL" (README: authorization code flow).
import * as WebBrowser from 'expo-web-browser';
import { codeFlow, createAuthClient } from 'tokenflight';
import { secureStorage } from 'tokenflight/react-native';
import * as SecureStore from 'expo-secure-store';

const REDIRECT = 'com.example.app://callback';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'my-native-app',
  scope: 'openid profile offline_access',
  storage: secureStorage(SecureStore),
});

// No sessionStorage here: the verifier and state wait in this flow's memory while the browser is open.
const signIn = codeFlow(auth, { issuer: 'https://login.example.com', redirectUri: REDIRECT });

export async function signInWithBrowser(): Promise<boolean> {
  const url = await signIn.authorizationUrl({ prompt: 'login' });
  const result = await WebBrowser.openAuthSessionAsync(url, REDIRECT);
  if (result.type !== 'success') return false; // closed by the user
  await signIn.complete(result.url);
  return true;
}

export async function signOut(): Promise<void> {
  const { endSessionUrl } = await signIn.logout(); // no browser to navigate: the URL is returned
  if (endSessionUrl !== null) await WebBrowser.openAuthSessionAsync(endSessionUrl, REDIRECT);
}
