// Client
export { createAuthClient, type AuthClient } from './client';
export type { AuthClientOptions, AuthEndpoints } from './options';
export type { SessionSnapshot } from './session/snapshot';
export type { CustomRefresh } from './endpoint/token-endpoint';
export type { DeviceSession, SessionsApi } from './endpoint/sessions-api';
export type { RedactedCause } from './endpoint/redact';

// Events
export type { AuthEvents, AuthEventName, EventOrigin, Unsubscribe } from './events';

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
export { webLocks, localLock, broadcastChannel, localChannelHub } from './sync';
export type { LockManager, SyncChannel, SyncMessage } from './sync';

// Environment
export { systemClock, browserLifecycle, reactNativeLifecycle, manualLifecycle, inertLifecycle } from './lifecycle';
export type { Clock, LifecycleSource, LifecycleSignal, AppStateLike, NetInfoLike } from './lifecycle';
