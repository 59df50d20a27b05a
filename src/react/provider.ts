import { createElement, type ReactNode } from 'react';
import type { AuthClient } from '../index';
import { AuthContext } from './context';

export interface AuthProviderProps {
  /**
   * The client, created once outside render (module scope, or `useState(() => createAuthClient(...))`).
   * The provider never creates nor disposes it, so StrictMode's double mount cannot end a session.
   */
  client: AuthClient;
  children?: ReactNode;
}

/**
 * Makes `client` available to `useAuth()`, `useSession()` and `useAuthEvent()` below it.
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });
 * root.render(<AuthProvider client={auth}><App /></AuthProvider>);
 */
export function AuthProvider({ client, children }: AuthProviderProps): ReactNode {
  return createElement(AuthContext.Provider, { value: client }, children);
}
