import { startServer } from './lib/server.mjs';
import { createKySingleFlight } from './clients/_sf-debug.mjs';
import { runAll } from './lib/util.mjs';
const server = await startServer(300);
try {
  const c = createKySingleFlight(server.url, { timeout: 120000 });
  await c.login(); await server.reset(); await server.expire();
  const r = await runAll(10000, () => c.get('api/me'));
  const k = await server.counters();
  console.log(r.failures, r.errors, k.refreshCalls, k.unauthorized, k.resourceRequests, globalThis.retries);
} finally { await server.stop(); }
