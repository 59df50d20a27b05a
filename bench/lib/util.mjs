// Small helpers shared by the scenarios: bounded concurrency, timing, statistics.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `count` calls of `task(i)` with at most `concurrency` in flight; stops starting new calls
 * at `deadline` (epoch ms). Returns { started, failures, errors } (first few error messages kept).
 */
export async function runPool(count, concurrency, task, deadline = Number.POSITIVE_INFINITY) {
  let next = 0;
  let failures = 0;
  const errors = new Map();
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failures++;
        const key = describeError(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { started: next, failures, errors: Object.fromEntries([...errors].slice(0, 5)) };
}

/** All `count` calls at once (a storm). */
export async function runAll(count, task) {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => task(i)));
  const errors = new Map();
  let failures = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    failures++;
    const key = describeError(result.reason);
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  return { failures, errors: Object.fromEntries([...errors].slice(0, 5)), values: results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) };
}

export function describeError(error) {
  if (error === null || typeof error !== 'object') return String(error);
  const status = error.response?.status;
  // Network errors nest: ky NetworkError -> TypeError('fetch failed') -> the socket error.
  let cause = error.cause;
  while (cause?.cause) cause = cause.cause;
  const code = error.code ?? cause?.code ?? cause?.message;
  return [error.name, status, code].filter((part) => part !== undefined && part !== '').join(' ') || String(error.message);
}

/** Wall time (ms) and client CPU time (ms) of `fn`. */
export async function measure(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `p` quantile (0 to 1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

export const round = (value, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

/** Bounded wait for a condition (polling); throws after `timeoutMs`. */
export async function waitUntil(condition, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Open-loop traffic: calls `fire(i)` every 1000/rate ms on an absolute schedule (a slow answer never
 * delays the next call) until `stopped()`. Resolves with the promises of every call fired.
 */
export async function openLoop(rate, stopped, fire) {
  const interval = 1000 / rate;
  const start = performance.now();
  const fired = [];
  for (let i = 0; !stopped(); i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    if (stopped()) break;
    fired.push(fire(i));
  }
  return fired;
}
