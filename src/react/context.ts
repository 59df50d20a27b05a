import { createContext, useContext } from 'react';
import { ConfigError, type AuthClient } from '../index';

/** The client the nearest `AuthProvider` hands down; `null` outside any provider. */
export const AuthContext = createContext<AuthClient | null>(null);
AuthContext.displayName = 'TokenflightAuth';

/** The client passed explicitly, else the provider's; throws a `ConfigError` when there is neither. */
export function useClient(explicit: AuthClient | undefined, hook: string): AuthClient {
  const provided = useContext(AuthContext);
  const client = explicit ?? provided;
  if (client === null) throw new ConfigError(`${hook}() needs an <AuthProvider client={auth}> above it, or a client argument.`);
  return client;
}
