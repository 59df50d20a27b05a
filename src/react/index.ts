/**
 * tokenflight/react: the client in context and its session as React state. React >= 18 (optional peer).
 * No `window` access at import or during a server render.
 */
export { AuthProvider, type AuthProviderProps } from './provider';
export { useAuth, useAuthEvent, useSession } from './hooks';
export { loadingSession, signedOutSession } from './snapshots';
