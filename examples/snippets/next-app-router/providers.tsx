'use client';
// app/providers.tsx — a Client Component: rendered on the server for the first HTML, then hydrated.
import { useState, type ReactNode } from 'react';
import { createAuthClient, webStorage } from 'tokenflight';
import { AuthProvider, loadingSession } from 'tokenflight/react';

function createClient() {
  const browser = typeof window !== 'undefined';
  return createAuthClient({
    // Absolute: on the server there is no page to resolve a relative '/api/' against.
    baseUrl: `${process.env.NEXT_PUBLIC_APP_URL ?? 'https://app.example.com'}/api/`,
    cookie: true, // BFF: the refresh token lives in an HttpOnly cookie set by your route handlers
    ...(browser ? { storage: webStorage(localStorage) } : {}), // the short-lived access token survives reloads
  });
}

export function Providers({ children }: { children: ReactNode }) {
  // One client per request on the server, one per page in the browser: never a module-level client.
  const [auth] = useState(createClient);
  // The server cannot see the browser's session: it renders `loadingSession`, and so does hydration;
  // right after, useSession() switches to the session the browser restored. No hydration mismatch.
  return (
    <AuthProvider client={auth} initialSession={loadingSession}>
      {children}
    </AuthProvider>
  );
}
