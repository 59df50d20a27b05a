'use client';
// app/account.tsx
import { useAuth, useSession } from 'tokenflight/react';

export function Account() {
  const session = useSession(); // `loading` on the server and while hydrating, then the live session
  const auth = useAuth();
  if (session.status === 'loading') return <span aria-busy="true" />;
  if (session.status === 'unauthenticated') {
    return <button onClick={() => void auth.login({ username: 'ada', password: 'lovelace' })}>Sign in</button>;
  }
  return <button onClick={() => void auth.logout()}>Sign out {String(session.claims?.['sub'] ?? '')}</button>;
}
