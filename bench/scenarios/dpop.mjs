// dpop: what DPoP (RFC 9449) costs per request. One reference server with DPoP on (`dpop: {}`: proofs
// checked and tokens bound when a proof comes, no nonce), three clients on it, each signed in once:
// tokenflight with `dpop: dpop()` (an ES256 WebCrypto key in memory, Node's default store), the same
// client without it (Bearer) and raw ky with a fixed Bearer header. GETs with a valid token, in
// interleaved rounds (each round runs every client once, in a rotated order; round 0 warms up and is
// not counted), one request at a time (latency) and at a fixed concurrency (throughput). Per round:
// wall time and the client process' CPU time, per request; the result is the median over rounds with
// the spread (lowest–highest round). Beside it, the one-off costs: creating a key, signing one proof.
import { Buffer } from 'node:buffer';
import { dpop, memoryKeyStore, webCryptoKeys } from 'tokenflight';
import { createClient } from '../clients/index.mjs';
import { createRawKy } from '../clients/raw-ky.mjs';
import { createTokenflight } from '../clients/tokenflight.mjs';
import { measure, median, round, runPool } from '../lib/util.mjs';

export const DPOP_SERVER_OPTIONS = { dpop: {} };

const ENTRIES = [
  { name: 'tokenflight-dpop', label: 'tokenflight, dpop()', create: (url, options) => createTokenflight(url, { ...options, dpop: dpop({ keys: webCryptoKeys({ store: memoryKeyStore() }) }) }) },
  { name: 'tokenflight', label: 'tokenflight, Bearer', create: createTokenflight },
  { name: 'raw-ky', label: 'raw ky (Bearer, no auth logic)', create: createRawKy },
];
export const DPOP_LABELS = Object.fromEntries(ENTRIES.map((entry) => [entry.name, entry.label]));

const spread = (values, digits) => ({ median: round(median(values), digits), low: round(Math.min(...values), digits), high: round(Math.max(...values), digits) });

/** Interleaved rounds of `perRound` GETs per client at `concurrency`: per-request wall and CPU (µs) per round. */
async function rounds(clients, { perRound, concurrency, rounds: count }) {
  const samples = new Map(clients.map(({ entry }) => [entry.name, []]));
  const failures = new Map(clients.map(({ entry }) => [entry.name, 0]));
  for (let r = 0; r <= count; r++) {
    for (let k = 0; k < clients.length; k++) {
      const { entry, client } = clients[(k + r) % clients.length];
      const { value, wallMs, cpuMs } = await measure(() => runPool(perRound, concurrency, () => client.get('api/me')));
      failures.set(entry.name, failures.get(entry.name) + value.failures);
      if (r > 0) samples.get(entry.name).push({ wallUs: (wallMs * 1000) / perRound, cpuUs: (cpuMs * 1000) / perRound });
    }
  }
  const base = samples.get('raw-ky');
  const bearer = samples.get('tokenflight');
  return clients.map(({ entry }) => {
    const own = samples.get(entry.name);
    return {
      scenario: 'dpop',
      mode: concurrency === 1 ? 'sequential' : `concurrency ${concurrency}`,
      client: entry.name,
      requests: perRound * count,
      concurrency,
      rounds: count,
      wallUsPerRequest: spread(own.map((s) => s.wallUs), 1),
      cpuUsPerRequest: spread(own.map((s) => s.cpuUs), 1),
      // Per round, against the other clients of the same round.
      wallUsOverBearer: spread(own.map((s, i) => s.wallUs - bearer[i].wallUs), 1),
      cpuUsOverBearer: spread(own.map((s, i) => s.cpuUs - bearer[i].cpuUs), 1),
      wallRatio: round(median(own.map((s, i) => s.wallUs / base[i].wallUs)), 3),
      cpuRatio: round(median(own.map((s, i) => s.cpuUs / base[i].cpuUs)), 3),
      failures: failures.get(entry.name),
    };
  });
}

const b64uJson = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The one-off costs, in ms: `keys.load()` of a new name (generate a non-extractable ES256 pair, export
 * its public JWK, store it), and one proof as src/dpop/proof.ts builds it (header and claims,
 * `ath` = SHA-256 of the access token, the ES256 signature). Median and spread over `samples` each.
 */
async function oneOff({ keySamples, proofSamples }) {
  const keys = webCryptoKeys({ store: memoryKeyStore() });
  const keyMs = [];
  let signer;
  for (let i = 0; i <= keySamples; i++) {
    const t0 = performance.now();
    signer = await keys.load(`bench:${i}`);
    if (i > 0) keyMs.push(performance.now() - t0);
  }
  const token = 'x'.repeat(600);
  const proofMs = [];
  for (let i = 0; i <= proofSamples; i++) {
    const t0 = performance.now();
    const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString('base64url');
    const jti = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    const input = `${b64uJson({ typ: 'dpop+jwt', alg: signer.alg, jwk: signer.jwk })}.${b64uJson({ jti, htm: 'GET', htu: 'http://127.0.0.1/api/me', iat: Math.floor(Date.now() / 1000), ath })}`;
    const signature = await signer.sign(new TextEncoder().encode(input));
    void `${input}.${Buffer.from(signature).toString('base64url')}`;
    if (i > 0) proofMs.push(performance.now() - t0);
  }
  return { alg: signer.alg, keySamples, proofSamples, keyMs: spread(keyMs, 3), proofMs: spread(proofMs, 3) };
}

export async function dpopCost(server, config, log) {
  const oneOffCosts = await oneOff(config);
  console.log(`  dpop one-off: key ${oneOffCosts.keyMs.median} ms (${oneOffCosts.keyMs.low}–${oneOffCosts.keyMs.high}), proof ${oneOffCosts.proofMs.median} ms (${oneOffCosts.proofMs.low}–${oneOffCosts.proofMs.high})`);
  const clients = [];
  for (const entry of ENTRIES) {
    const client = createClient(entry, server.url);
    await client.login();
    clients.push({ entry, client });
  }
  // RFC 9449 §6.1: a key-bound access token carries the key's thumbprint in `cnf.jkt`; the others none.
  const bound = clients.map(({ entry, client }) => [entry.name, typeof client.auth?.session.claims?.cnf?.jkt === 'string']);
  if (!bound[0][1] || bound[1][1]) throw new Error(`dpop: unexpected token binding ${JSON.stringify(bound)}`);
  await server.reset();
  const rows = [];
  try {
    for (const mode of config.modes) rows.push(...(await rounds(clients, mode)));
  } finally {
    for (const { client } of clients) client.dispose();
  }
  const counters = await server.counters();
  for (const row of rows) log({ ...row, wallUs: row.wallUsPerRequest.median, cpuUs: row.cpuUsPerRequest.median });
  const dpopRequests = rows.filter((r) => r.client === 'tokenflight-dpop').reduce((sum, r) => sum + r.requests, 0);
  // Warm-up rounds send proofs too: every DPoP request, counted or not.
  const dpopSent = config.modes.reduce((sum, m) => sum + m.perRound * (m.rounds + 1), 0);
  return {
    rows,
    oneOff: oneOffCosts,
    dpopRequests,
    dpopSent,
    proofsAccepted: counters.dpopProofsAccepted,
    proofsRejected: counters.dpopProofsRejected,
    unauthorized: counters.unauthorized,
    refreshCalls: counters.refreshCalls,
  };
}
