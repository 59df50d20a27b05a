// README: Recipes, React.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAuthClient, webStorage } from 'tokenflight';
import { AuthProvider, useAuth, useSession } from 'tokenflight/react';

const auth = createAuthClient({ baseUrl: 'https://api.example.com/', storage: webStorage(localStorage) });

function Account() {
  const session = useSession(); // re-renders on login, refresh, logout, another tab's logout...
  const client = useAuth(); // the provider's client
  if (session.status === 'loading') return null;
  if (session.status === 'unauthenticated') {
    return <button onClick={() => void client.login({ username: 'ada', password: 'lovelace' })}>Sign in</button>;
  }
  return <button onClick={() => void client.logout()}>Sign out {String(session.claims?.['sub'] ?? '')}</button>;
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AuthProvider client={auth}>
      <Account />
    </AuthProvider>
  </StrictMode>,
);
