import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../src/lifecycle';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('reads the (fake) clock at call time', () => {
    vi.setSystemTime(1_000_000);
    expect(systemClock.now()).toBe(1_000_000);
    const fn = vi.fn();
    systemClock.setTimeout(fn, 500);
    vi.advanceTimersByTime(499);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
    expect(systemClock.now()).toBe(1_000_500);
  });

  it('clearTimeout cancels', () => {
    const fn = vi.fn();
    systemClock.clearTimeout(systemClock.setTimeout(fn, 10));
    vi.advanceTimersByTime(100);
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([
    ['huge', 2 ** 40, MAX_TIMER_MS],
    ['Infinity', Infinity, MAX_TIMER_MS],
    ['NaN', NaN, MAX_TIMER_MS],
    ['negative', -5, 0],
    ['-Infinity', -Infinity, 0],
  ])('clamps a %s delay', (_, delay, expected) => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const fn = vi.fn();
    systemClock.setTimeout(fn, delay);
    expect(spy).toHaveBeenCalledWith(fn, expected);
    if (expected > 0) {
      vi.advanceTimersByTime(expected - 1);
      expect(fn).not.toHaveBeenCalled();
    }
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('is frozen', () => {
    expect(Object.isFrozen(systemClock)).toBe(true);
  });
});
