export { parseSyncMessage } from './messages';
export type { SyncChannel, SyncMessage } from './messages';
export { broadcastChannel } from './broadcast';
export type { BroadcastChannelCtor, BroadcastChannelLike } from './broadcast';
export { localChannelHub } from './hub';
