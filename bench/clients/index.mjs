// The clients compared. `refresh: false` marks the baseline, which has no refresh logic;
// `overhead: true` the clients of the overhead scenario (the README recipe's happy path is the
// hand-written one's minus a check, so it is left out to keep the run under 5 minutes).
import { createAxiosAuthRefresh } from './axios-auth-refresh.mjs';
import { createKyReadme } from './ky-readme.mjs';
import { createKySingleFlight } from './ky-single-flight.mjs';
import { createRawKy } from './raw-ky.mjs';
import { createTokenflight } from './tokenflight.mjs';

/** Per-request timeout of every client: long enough that loopback queueing at N = 10,000 is not an auth failure. */
export const TIMEOUT_MS = 120_000;

export const CLIENTS = [
  { name: 'tokenflight', label: 'tokenflight', refresh: true, create: createTokenflight, overhead: true },
  { name: 'raw-ky', label: 'raw ky (no auth logic)', refresh: false, create: createRawKy, overhead: true },
  { name: 'ky-single-flight', label: 'ky, hand-written single-flight', refresh: true, create: createKySingleFlight, overhead: true },
  // One refresh call per 401 (see N <= 1,000): at N = 10,000 that is 10,000 refresh calls and
  // about half a minute of the 5-minute budget, so the storm stops at 1,000 for it.
  { name: 'ky-readme', label: 'ky README recipe', refresh: true, create: createKyReadme, maxStormN: 1_000 },
  { name: 'axios-auth-refresh', label: 'axios + axios-auth-refresh', refresh: true, create: createAxiosAuthRefresh, overhead: true },
];

export const AUTH_CLIENTS = CLIENTS.filter((client) => client.refresh);

export function createClient(entry, url, options = {}) {
  return entry.create(url, { timeout: TIMEOUT_MS, ...options });
}
