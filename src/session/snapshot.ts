/** What `auth.session` returns: a frozen snapshot, replaced (never mutated) on every change. */
export interface SessionSnapshot {
  /** `loading` until storage has been read; then `authenticated` or `unauthenticated`. */
  readonly status: 'loading' | 'authenticated' | 'unauthenticated';
  /** When the access token expires (epoch ms, local clock); `null` when unknown or signed out. */
  readonly expiresAt: number | null;
  /** Claims decoded (not verified) from a JWT access token; `null` for opaque tokens or when signed out. */
  readonly claims: Readonly<Record<string, unknown>> | null;
  /** Increases with every committed token set. */
  readonly generation: number;
  /** True while a refresh is in flight. */
  readonly refreshing: boolean;
  readonly scope: string | null;
  /** OpenID: the user's claims from the ID token the session began with (checked as OIDC Core §3.1.3.7 allows, not verified); `null` without one. */
  readonly user: Readonly<Record<string, unknown>> | null;
}

export const LOADING: SessionSnapshot = Object.freeze({
  status: 'loading',
  expiresAt: null,
  claims: null,
  generation: 0,
  refreshing: false,
  scope: null,
  user: null,
});
