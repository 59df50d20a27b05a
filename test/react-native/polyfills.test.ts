import { describe, expect, it, vi } from 'vitest';
import { installPolyfills, type PolyfillTarget } from '../../src/react-native/polyfills';

/** An AbortController like React Native's shim: an EventTarget signal, `abort()` ignores its reason. */
function shimPlatform(extra: Partial<PolyfillTarget> = {}) {
  class ShimSignal extends EventTarget {
    aborted = false;
  }
  class ShimController {
    readonly signal = new ShimSignal();
    abort(): void {
      if (this.signal.aborted) return;
      this.signal.aborted = true;
      this.signal.dispatchEvent(new Event('abort'));
    }
  }
  const target = {
    AbortController: ShimController as unknown as NonNullable<PolyfillTarget['AbortController']>,
    AbortSignal: ShimSignal as unknown as NonNullable<PolyfillTarget['AbortSignal']>,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    ...extra,
  } satisfies PolyfillTarget;
  const Signal = target.AbortSignal as unknown as typeof AbortSignal;
  const controller = () => new target.AbortController();
  return { target, Signal, controller };
}

const caught = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('installPolyfills', () => {
  it('installs the three AbortSignal methods and TextEncoder where missing, once', () => {
    const { target } = shimPlatform();
    expect(installPolyfills(target)).toEqual(['TextEncoder', 'AbortSignal.prototype.throwIfAborted', 'AbortSignal.timeout', 'AbortSignal.any']);
    expect(installPolyfills(target)).toEqual([]);
  });

  it('leaves a complete platform untouched', () => {
    const target: PolyfillTarget = { AbortController, AbortSignal, TextEncoder, DOMException, setTimeout };
    const before = [AbortSignal.any, AbortSignal.timeout, AbortSignal.prototype.throwIfAborted];
    expect(installPolyfills(target)).toEqual([]);
    expect([AbortSignal.any, AbortSignal.timeout, AbortSignal.prototype.throwIfAborted]).toEqual(before);
  });

  it('without AbortController only TextEncoder can be installed', () => {
    expect(installPolyfills({ TextEncoder })).toEqual([]);
    expect(installPolyfills({})).toEqual(['TextEncoder']);
  });
});

describe('throwIfAborted', () => {
  it('does nothing before abort, then throws the reason, or an AbortError when there is none', () => {
    const { target, controller } = shimPlatform();
    installPolyfills(target);
    const c = controller();
    expect(caught(() => c.signal.throwIfAborted())).toBeUndefined();
    c.abort();
    const error = caught(() => c.signal.throwIfAborted());
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
  });

  it('uses DOMException when the platform has it', () => {
    const { target, controller } = shimPlatform({ DOMException });
    installPolyfills(target);
    const c = controller();
    c.abort();
    expect(caught(() => c.signal.throwIfAborted())).toBeInstanceOf(DOMException);
  });
});

describe('AbortSignal.timeout', () => {
  it('aborts after the delay with a TimeoutError reason, not before', () => {
    vi.useFakeTimers();
    try {
      const { target, Signal } = shimPlatform();
      installPolyfills(target);
      const signal = Signal.timeout(1000);
      const seen = vi.fn();
      signal.addEventListener('abort', () => seen(signal.reason));
      vi.advanceTimersByTime(999);
      expect(signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(signal.aborted).toBe(true);
      expect(seen).toHaveBeenCalledOnce();
      expect((seen.mock.calls[0]?.[0] as Error).name).toBe('TimeoutError');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('AbortSignal.any', () => {
  it('follows the first source to abort, with its reason, and lets go of the others', () => {
    const { target, Signal, controller } = shimPlatform();
    installPolyfills(target);
    const [a, b] = [controller(), controller()];
    const remove = vi.spyOn(b.signal, 'removeEventListener');
    const combined = Signal.any([a.signal, b.signal]);
    const seen = vi.fn();
    combined.addEventListener('abort', seen);
    expect(combined.aborted).toBe(false);
    a.abort();
    expect(combined.aborted).toBe(true);
    expect((combined.reason as Error).name).toBe('AbortError');
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    b.abort();
    expect(seen).toHaveBeenCalledOnce();
  });

  it('is aborted at once when a source already is', () => {
    const { target, Signal, controller } = shimPlatform();
    installPolyfills(target);
    const done = controller();
    done.abort();
    expect(Signal.any([controller().signal, done.signal]).aborted).toBe(true);
  });

  it('keeps the reason of a platform that supports reasons', () => {
    const target: PolyfillTarget = { TextEncoder, AbortController, AbortSignal: { prototype: AbortSignal.prototype } as NonNullable<PolyfillTarget['AbortSignal']> };
    const installed = installPolyfills(target);
    expect(installed).toEqual(['AbortSignal.timeout', 'AbortSignal.any']);
    const any = (target.AbortSignal as unknown as typeof AbortSignal).any;
    const source = new AbortController();
    const combined = any([source.signal]);
    source.abort('stop');
    expect(combined.reason).toBe('stop');
  });
});

describe('TextEncoder', () => {
  it('encodes like the platform TextEncoder, lone surrogates included', () => {
    const target: PolyfillTarget = {};
    installPolyfills(target);
    const Encoder = target.TextEncoder as typeof TextEncoder;
    for (const text of ['', 'ascii', 'é', '€uro', '😀 ok', 'a\ud800b', '\udfff', 'x'.repeat(1000)]) {
      expect(new Encoder().encode(text)).toEqual(new TextEncoder().encode(text));
    }
    expect(new Encoder().encoding).toBe('utf-8');
  });
});
