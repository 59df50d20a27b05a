import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import type { AuthClient, AuthEventName, AuthEvents, SessionSnapshot } from '../index';
import { useBinding } from './context';

/** The client of the nearest `AuthProvider` (for `auth.http`, `login`, `logout`...). */
export function useAuth(): AuthClient {
  return useBinding(undefined, 'useAuth').client;
}

/**
 * The current session snapshot; re-renders when it changes (login, refresh, refreshing flag, end).
 * Built on `useSyncExternalStore`: no tearing. On the server and while hydrating it returns the
 * provider's `initialSession` when one was given, else the client's snapshot as is.
 * @param auth a client to read instead of the provider's
 * @example
 * const { status, claims } = useSession();
 */
export function useSession(auth?: AuthClient): SessionSnapshot {
  const { client, initial } = useBinding(auth, 'useSession');
  const subscribe = useCallback((onChange: () => void) => client.on('session:change', () => onChange()), [client]);
  const read = useCallback(() => client.session, [client]);
  const server = useCallback(() => initial ?? client.session, [client, initial]);
  return useSyncExternalStore(subscribe, read, server);
}

/**
 * Calls `listener` on every `type` event while the component is mounted (always the latest
 * `listener`: no need to memoise it). Subscribes in an effect, so never during a server render.
 * @example
 * useAuthEvent('session:end', ({ reason }) => reason !== 'logout' && navigate('/login'));
 */
export function useAuthEvent<K extends AuthEventName>(type: K, listener: (payload: AuthEvents[K]) => void, auth?: AuthClient): void {
  const { client } = useBinding(auth, 'useAuthEvent');
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => client.on(type, (payload) => latest.current(payload)), [client, type]);
}
