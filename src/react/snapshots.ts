import type { SessionSnapshot } from '../index';

const snapshot = (status: SessionSnapshot['status']): SessionSnapshot =>
  Object.freeze({ status, expiresAt: null, claims: null, generation: 0, refreshing: false, scope: null, user: null });

/** A signed-out snapshot for `<AuthProvider initialSession>`: the server rendered the signed-out UI. */
export const signedOutSession: SessionSnapshot = /* @__PURE__ */ snapshot('unauthenticated');

/** A loading snapshot for `<AuthProvider initialSession>`: the server rendered neither signed in nor out. */
export const loadingSession: SessionSnapshot = /* @__PURE__ */ snapshot('loading');
