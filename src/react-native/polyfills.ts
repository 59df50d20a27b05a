/**
 * What ky 2 needs that Hermes (React Native) may lack, installed only where missing: the AbortSignal
 * methods `throwIfAborted`, `timeout` and `any`, and a UTF-8 `TextEncoder` (ky creates one when it
 * loads; React Native < 0.74 has none). ky also reads `AbortSignal.any` once, when it loads: this
 * module must run before ky is imported, which is why the React Native entry imports it first.
 */

export type PolyfillName = 'AbortSignal.prototype.throwIfAborted' | 'AbortSignal.timeout' | 'AbortSignal.any' | 'TextEncoder';

/** The globals the polyfills read and extend; `globalThis` fits. */
export interface PolyfillTarget {
  AbortController?: new () => AbortController;
  AbortSignal?: { prototype: AbortSignal; timeout?: unknown; any?: unknown };
  DOMException?: new (message?: string, name?: string) => Error;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  TextEncoder?: unknown;
}

type Define = (owner: object, name: string, value: unknown) => void;

const define: Define = (owner, name, value) => Object.defineProperty(owner, name, { value, writable: true, configurable: true });

function domError(target: PolyfillTarget, message: string, name: string): Error {
  return typeof target.DOMException === 'function' ? new target.DOMException(message, name) : Object.assign(new Error(message), { name });
}

/** Aborts with `reason`, also where `abort(reason)` ignores its argument (older AbortController shims). */
function abortWith(controller: AbortController, reason: unknown): void {
  if (!('reason' in controller.signal)) define(controller.signal, 'reason', reason);
  controller.abort(reason);
}

function reasonOf(target: PolyfillTarget, signal: AbortSignal): unknown {
  return signal.reason ?? domError(target, 'signal is aborted without reason', 'AbortError');
}

/** UTF-8 `encode` only: enough for ky, which measures request bodies with it. */
class Utf8Encoder {
  readonly encoding = 'utf-8';
  encode(input = ''): Uint8Array {
    const bytes: number[] = [];
    for (const char of input) {
      let c = char.codePointAt(0) ?? 0xfffd;
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(bytes);
  }
}

/**
 * Installs each missing piece on `target` and returns the names it installed (none when the platform
 * has them all; no AbortSignal method when it has no AbortController at all).
 */
export function installPolyfills(target: PolyfillTarget = globalThis): PolyfillName[] {
  const installed: PolyfillName[] = [];
  if (typeof target.TextEncoder !== 'function') {
    define(target, 'TextEncoder', Utf8Encoder);
    installed.push('TextEncoder');
  }
  const Controller = target.AbortController;
  const Signal = target.AbortSignal;
  if (typeof Controller !== 'function' || Signal === undefined) return installed;

  if (typeof Signal.prototype.throwIfAborted !== 'function') {
    define(Signal.prototype, 'throwIfAborted', function throwIfAborted(this: AbortSignal): void {
      if (this.aborted) throw reasonOf(target, this);
    });
    installed.push('AbortSignal.prototype.throwIfAborted');
  }

  if (typeof Signal.timeout !== 'function') {
    define(Signal, 'timeout', function timeout(ms: number): AbortSignal {
      const controller = new Controller();
      const schedule = target.setTimeout ?? setTimeout;
      schedule(() => abortWith(controller, domError(target, 'signal timed out', 'TimeoutError')), ms);
      return controller.signal;
    });
    installed.push('AbortSignal.timeout');
  }

  if (typeof Signal.any !== 'function') {
    define(Signal, 'any', function any(signals: Iterable<AbortSignal>): AbortSignal {
      const controller = new Controller();
      const sources = [...signals];
      const first = sources.find((signal) => signal.aborted);
      if (first !== undefined) {
        abortWith(controller, reasonOf(target, first));
        return controller.signal;
      }
      // Listeners stay on sources that never abort until one does (no weak references on Hermes).
      const stops = sources.map((signal) => {
        const onAbort = (): void => {
          for (const stop of stops) stop();
          abortWith(controller, reasonOf(target, signal));
        };
        signal.addEventListener('abort', onAbort);
        return () => signal.removeEventListener('abort', onAbort);
      });
      return controller.signal;
    });
    installed.push('AbortSignal.any');
  }
  return installed;
}

installPolyfills();
