import { HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src';
import { record, settle, setupDialects, signIn } from './support';
import { HOSTILE, pair, scriptedServer } from './scripted';

const env = setupDialects();
const DAY = 86_400_000;
const MAX_TIMER = 2 ** 31 - 1;

/** The fake clock, recording every delay the client asks for. */
function recordingClock() {
  const delays: number[] = [];
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, ms);
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  return { clock, delays };
}

/** A session whose every token answer carries `expiresIn` (raw JSON text, so 1e400 and friends survive). */
async function session(expiresIn: string) {
  env.server();
  const seen = scriptedServer(env.msw, (n) => {
    const { expires_in: _none, ...rest } = pair(n);
    return new HttpResponse(`${JSON.stringify(rest).slice(0, -1)},"expires_in":${expiresIn}}`, { headers: { 'content-type': 'application/json' } });
  });
  const { clock, delays } = recordingClock();
  const auth = env.client({ baseUrl: HOSTILE, allowInsecureHttp: true, clock });
  const log = record(auth);
  await signIn(auth);
  return { seen, auth, log, delays };
}

async function runDays(days: number) {
  for (let d = 0; d < days; d++) {
    await vi.advanceTimersByTimeAsync(DAY);
    await settle();
  }
}

describe('pathological expires_in', () => {
  it.each(['0', '-1', '-1e308', '"abc"', '"NaN"', 'null', 'true', '{}', '[]', '""', '1e400', '-0'])(
    'expires_in %s: unknown lifetime, no proactive refresh, no timer at all, over 40 days',
    async (value) => {
      const { seen, auth, delays } = await session(value);
      expect(auth.session.expiresAt).toBeNull();
      await runDays(40);
      expect(seen.refresh).toBe(0);
      expect(delays).toEqual([]);
      await auth.http.get('api/me').json();
      expect(seen.bearers).toEqual([`Bearer ${pair(1).access_token}`]);
    },
  );

  it.each([
    ['30 days', '2592000', 30 * DAY, 1],
    ['30 days as a string', '"2592000"', 30 * DAY, 1],
    ['a billion seconds', '1e9', 365 * DAY, 0],
    ['1e308 seconds', '1e308', 365 * DAY, 0],
  ])('expires_in %s: honoured up to a year, never overflows a timer, refreshes once per lifetime', async (_name, value, lifetime, refreshes) => {
    const { seen, auth, delays, log } = await session(value);
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBe(lifetime);
    await runDays(40);
    expect(seen.refresh).toBe(refreshes);
    expect(log.of('session:refresh')).toHaveLength(refreshes);
    expect(delays.length).toBeGreaterThan(0);
    expect(delays.every((ms) => Number.isFinite(ms) && ms >= 1 && ms <= MAX_TIMER)).toBe(true);
    // 40 days in timers no longer than 24.8 days each: a handful of wake-ups, not a spin.
    expect(delays.length).toBeLessThan(10);
  });

  it.each([
    ['1 second', '1'],
    ['a millisecond', '0.001'],
    ['a fraction as a string', '"0.5"'],
  ])('expires_in %s: refreshes are at least 1 s apart, never a loop', async (_name, value) => {
    const { seen, delays } = await session(value);
    for (let s = 0; s < 60; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(seen.refresh).toBeGreaterThanOrEqual(30);
    expect(seen.refresh).toBeLessThanOrEqual(61);
    expect(delays.every((ms) => ms >= 1)).toBe(true);
  });

  it('a numeric string lifetime is understood', async () => {
    const { auth } = await session('"300"');
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBe(300_000);
  });
});
