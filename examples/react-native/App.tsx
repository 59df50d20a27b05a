import { auth } from './auth'; // first: it loads tokenflight/react-native (polyfills) before tokenflight/react
import { StatusBar } from 'expo-status-bar';
import { useEffect, useState } from 'react';
import { ActivityIndicator, Button, Text, TextInput, View } from 'react-native';
import { isLoginError } from 'tokenflight/react-native';
import { AuthProvider, useAuth, useAuthEvent, useSession } from 'tokenflight/react';

interface Me {
  username: string | null;
  scope: string;
}

export default function App() {
  return (
    <AuthProvider client={auth}>
      <Screen />
      <StatusBar style="auto" />
    </AuthProvider>
  );
}

function Screen() {
  const { status } = useSession();
  const [notice, setNotice] = useState<string | null>(null);
  useAuthEvent('session:end', ({ reason }) => setNotice(reason === 'logout' ? null : 'Your session ended. Please sign in again.'));

  if (status === 'loading') return <ActivityIndicator size="large" />;
  return (
    <View style={{ padding: 24 }}>
      {notice !== null && <Text accessibilityRole="alert">{notice}</Text>}
      {status === 'authenticated' ? <Profile /> : <SignIn onSignedIn={() => setNotice(null)} />}
    </View>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const signIn = async () => {
    setPending(true);
    setError(null);
    try {
      await auth.login({ username, password });
      onSignedIn();
    } catch (failure) {
      setError(isLoginError(failure) && !failure.retryable ? 'Wrong username or password.' : 'Could not sign in. Try again.');
    } finally {
      setPending(false);
    }
  };

  return (
    <View>
      <TextInput value={username} onChangeText={setUsername} placeholder="Username" autoCapitalize="none" />
      <TextInput value={password} onChangeText={setPassword} placeholder="Password" secureTextEntry />
      <Button title={pending ? 'Signing in…' : 'Sign in'} onPress={() => void signIn()} disabled={pending} />
      {error !== null && <Text accessibilityRole="alert">{error}</Text>}
    </View>
  );
}

function Profile() {
  const auth = useAuth();
  const { generation } = useSession();
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    auth.http
      .get('api/me', { signal: controller.signal })
      .json<Me>()
      .then(setMe, () => undefined);
    return () => controller.abort();
  }, [auth, generation]);

  return (
    <View>
      <Text accessibilityRole="header">Signed in as {me?.username ?? '…'}</Text>
      <Text>Scope: {me?.scope ?? '…'}</Text>
      <Button title="Sign out" onPress={() => void auth.logout()} />
    </View>
  );
}
