import type { LockManager } from '../../sync/lock';
import type { SyncChannel } from '../../sync/messages';
import type { StorageLockOptions } from '../../sync/storage-lock';

export interface StorageAdapter {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
  /** Optional: notifies when ANOTHER context changed the key (web `storage` event). Returns unsubscribe. */
  subscribe?(key: string, onChange: () => void): () => void;
  /** `false` when no other tab or instance can see this store (memory, `sessionStorage`): then no cross-tab lock or broadcast is set up by default. */
  readonly shared?: boolean;
  /**
   * Optional: a cross-tab lock kept in this same store, the default lock where Web Locks are missing
   * (`webStorage` has one: a lease per lock name, see `storageLock`).
   */
  lock?(options: StorageLockOptions): LockManager;
  /**
   * Optional: the channel the contexts sharing this store talk over (`webStorage` has one: a
   * `broadcastChannel(name)`), the default `channel` of a shared store. Without it, and without a
   * `channel` option, contexts follow each other through `subscribe` alone.
   */
  channel?(name: string): SyncChannel;
}

/** The single persisted blob: one key, one JSON value, so an access/refresh pair never tears. */
export interface StoredSession {
  v: 1;
  /** null = no usable access token: refresh before use. */
  accessToken: string | null;
  /** null in HttpOnly-cookie mode. */
  refreshToken: string | null;
  /** Epoch ms (local clock) when the access token expires; 0 when accessToken is null. */
  expiresAt: number;
  /** Epoch ms the tokens were received. */
  receivedAt: number;
  /** Positive safe integer, increases with every committed token set. */
  generation: number;
  scope: string | null;
  /** The session's identity (see `TokenSet.sessionId`); absent in blobs written by 0.1.0. */
  sid?: string;
  /** DPoP: thumbprint of the key the tokens are bound to. */
  jkt?: string;
  /** OpenID ID token of the session, when it began with one. */
  idToken?: string;
}
