import { createElement, useMemo, type ReactNode } from 'react';
import type { AuthClient, SessionSnapshot } from '../index';
import { AuthContext } from './context';

export interface AuthProviderProps {
  /**
   * The client, created once outside render (module scope, or `useState(() => createAuthClient(...))`).
   * The provider never creates nor disposes it, so StrictMode's double mount cannot end a session.
   */
  client: AuthClient;
  /**
   * Server rendering: the session the server rendered with (`signedOutSession`, `loadingSession`, or a
   * snapshot it serialised). `useSession()` returns it on the server and while the browser hydrates, then
   * switches to the client's live session, so a session restored in the browser causes no hydration
   * mismatch. Pass the same value on both sides. Ignored by client-only renders.
   * @default the client's own snapshot
   */
  initialSession?: SessionSnapshot;
  children?: ReactNode;
}

/**
 * Makes `client` available to `useAuth()`, `useSession()` and `useAuthEvent()` below it.
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });
 * root.render(<AuthProvider client={auth}><App /></AuthProvider>);
 */
export function AuthProvider({ client, initialSession, children }: AuthProviderProps): ReactNode {
  const value = useMemo(() => ({ client, initial: initialSession }), [client, initialSession]);
  return createElement(AuthContext.Provider, { value }, children);
}
