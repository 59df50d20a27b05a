// steady expiry: short-lived access tokens (the server's TTL) and continuous traffic at a fixed
// concurrency for a fixed duration. tokenflight runs with its background refresh on (the default).
import { AUTH_CLIENTS } from '../clients/index.mjs';
import { round, runPool } from '../lib/util.mjs';
import { freshSession } from './sessions.mjs';

export async function steady(server, { durationMs, concurrency, maxRequests }, log) {
  const rows = [];
  for (const entry of AUTH_CLIENTS) {
    const client = await freshSession(server, entry, { autoRefresh: true });
    await server.reset();
    const started = Date.now();
    const run = await runPool(maxRequests, concurrency, () => client.get('api/me'), started + durationMs);
    const elapsedMs = Date.now() - started;
    const counters = await server.counters();
    client.dispose();
    const expected = durationMs / 1000 / server.ttl;
    rows.push({
      scenario: 'steady',
      client: entry.name,
      durationMs,
      elapsedMs,
      tokenTtlSeconds: server.ttl,
      concurrency,
      requests: run.started,
      failures: run.failures,
      unauthorized: counters.unauthorized,
      refreshCalls: counters.refreshCalls,
      expectedRefreshCalls: round(expected, 1),
      reuseDetections: counters.reuseDetections,
      errors: run.errors,
    });
    log(rows.at(-1));
  }
  return rows;
}
