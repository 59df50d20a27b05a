// Signed-in clients whose access token will be visibly expired by the time they are used: logged
// in early on the short-lived server, used once the token's lifetime has passed in real time (the
// client can see `exp`/`expires_in` are behind it, and the server rejects the token).
import { AUTH_CLIENTS, createClient } from '../clients/index.mjs';
import { waitUntil } from '../lib/util.mjs';

/**
 * Logs in one fresh client per (client kind, slot). `slots` are the runs that will use them:
 * { name, n } (a storm of n requests, skipped for clients whose maxStormN is lower) or { name }.
 */
export async function prepareExpiringSessions(server, slots) {
  const sessions = new Map();
  for (const { name: slot, n = 0 } of slots) {
    for (const entry of AUTH_CLIENTS) {
      if (n > (entry.maxStormN ?? Number.POSITIVE_INFINITY)) continue;
      const client = createClient(entry, server.url);
      await client.login();
      sessions.set(`${slot}/${entry.name}`, client);
    }
  }
  // Server side: exp = floor(iat) + ttl; client side: receipt time + expires_in. Both are past after this.
  const expiredAt = Date.now() + server.ttl * 1000 + 250;
  return {
    take(slot, entry) {
      const client = sessions.get(`${slot}/${entry.name}`);
      sessions.delete(`${slot}/${entry.name}`);
      return client;
    },
    /** Resolves once every prepared token has expired. */
    async expired() {
      const wait = expiredAt - Date.now();
      if (wait > 0) await waitUntil(() => Date.now() >= expiredAt, wait + 5_000, 'the prepared tokens to expire');
    },
    dispose() {
      for (const client of sessions.values()) client.dispose();
      sessions.clear();
    },
  };
}

/** A client on `server` that has just logged in (its token is valid now). */
export async function freshSession(server, entry, options) {
  const client = createClient(entry, server.url, options);
  await client.login();
  return client;
}
