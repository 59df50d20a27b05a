export { localLock, webLocks } from './lock';
export { storageLock } from './storage-lock';
export type { StorageLockOptions } from './storage-lock';
export type { LockManager, LockManagerLike } from './lock';
export { broadcastChannel, localChannelHub, parseSyncMessage } from './channel';
export type { BroadcastChannelCtor, BroadcastChannelLike, SyncChannel, SyncMessage } from './channel';
