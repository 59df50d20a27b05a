import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setupWorker } from 'msw/browser';
import { createAuthClient, webStorage } from 'tokenflight';
import { AuthProvider } from 'tokenflight/react';
import { createAuthServer } from 'tokenflight/testing';
import { App } from './App';

const API = 'https://auth.test/';

async function main(): Promise<void> {
  // No backend: the reference auth server answers from a service worker. A real app drops these two lines.
  await setupWorker(...createAuthServer({ origin: new URL(API).origin }).handlers).start({ quiet: true, onUnhandledFrame: 'bypass' });

  // One client for the app's lifetime, created outside React: StrictMode's double mounts cannot touch it.
  const auth = createAuthClient({ baseUrl: API, storage: webStorage(localStorage) });
  const root = document.getElementById('root');
  if (root === null) throw new Error('#root is missing');
  createRoot(root).render(
    <StrictMode>
      <AuthProvider client={auth}>
        <App />
      </AuthProvider>
    </StrictMode>,
  );
}

void main();
