import { createContext, useContext } from 'react';
import { ConfigError, type AuthClient, type SessionSnapshot } from '../index';

/** What the nearest `AuthProvider` hands down: its client, and the snapshot a server render showed. */
export interface AuthBinding {
  readonly client: AuthClient;
  readonly initial: SessionSnapshot | undefined;
}

/** `null` outside any provider. */
export const AuthContext = createContext<AuthBinding | null>(null);
AuthContext.displayName = 'TokenflightAuth';

/**
 * The client passed explicitly, else the provider's; throws a `ConfigError` when there is neither.
 * The provider's initial snapshot applies only to the provider's own client.
 */
export function useBinding(explicit: AuthClient | undefined, hook: string): AuthBinding {
  const provided = useContext(AuthContext);
  if (explicit !== undefined && explicit !== provided?.client) return { client: explicit, initial: undefined };
  if (provided === null) throw new ConfigError(`${hook}() needs an <AuthProvider client={auth}> above it, or a client argument.`);
  return provided;
}
