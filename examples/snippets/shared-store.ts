// README: Multiple tabs (several clients in one realm).
import { createAuthClient, localChannelHub, localLock, memoryStorage } from 'tokenflight';

const storage = memoryStorage();
const lock = localLock();
const hub = localChannelHub();
const shop = createAuthClient({ baseUrl: 'https://api.example.com/', storage, lock, channel: hub.channel() });
const account = createAuthClient({ baseUrl: 'https://api.example.com/', storage, lock, channel: hub.channel() });

export { account, shop };
