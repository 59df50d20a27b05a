// Client
export { createAuthClient, type AuthClient } from './client';
export type { AuthClientOptions, AuthEndpoints } from './options';
export type { SessionSnapshot } from './session/snapshot';
export type { CustomRefresh } from './endpoint/token-endpoint';
export type { DeviceSession, SessionsApi } from './endpoint/sessions-api';
export type { RedactedCause } from './endpoint/redact';

// DPoP (RFC 9449): tree-shaken away unless `dpop()` is used
export { dpop, webCryptoKeys, memoryKeyStore, indexedDbKeyStore, pickAlgorithm } from './dpop';
export type { DpopOption, DpopOptions, DpopSigner, DpopKeySource, DpopKeyStore, DpopAlgorithm, PublicJwk, WebCryptoKeysOptions } from './dpop';
// Authorization code flow with PKCE, discovery, ID tokens, RP-initiated logout (tree-shaken away when unused)
export { codeFlow, type CodeFlow, type CodeFlowOptions, type AuthorizationParams, type EndSessionOptions } from './oauth/code-flow';
export type { TransactionStore } from './oauth/transactions';
export type { ProviderMetadata } from './oauth/discovery';
export type { CryptoLike } from './oauth/pkce';

// Events
export type { AuthEvents, AuthEventName, EventOrigin, StartSource, Unsubscribe } from './events';
export type { DebugEntry, RefreshReason } from './diagnostics';

// Errors
export {
  ErrorCode,
  TokenflightError,
  ConfigError,
  LoginError,
  RefreshError,
  SessionEndedError,
  ReplayError,
  DisposedError,
  NotAuthenticatedError,
  InvalidArgumentError,
  isTokenflightError,
  isRefreshError,
  isSessionEndedError,
  isLoginError,
  isReplayError,
  isConfigError,
  type EndReason,
} from './errors';

// Storage
export { memoryStorage, webStorage, asyncStorage, secureStorage, keychainStore, splitStorage } from './session/storage';
export type { StorageAdapter, SecureStoreLike, AsyncStorageLike, KeychainLike, WebStorageLike } from './session/storage';

// Cross-tab sync
export { webLocks, localLock, storageLock, broadcastChannel, localChannelHub } from './sync';
export type { LockManager, StorageLockOptions, SyncChannel, SyncMessage } from './sync';

// Environment
export { systemClock, browserLifecycle, reactNativeLifecycle, manualLifecycle, inertLifecycle } from './lifecycle';
export type { Clock, LifecycleSource, LifecycleSignal, AppStateLike, NetInfoLike } from './lifecycle';
