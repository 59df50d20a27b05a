// The globals of a React Native (Hermes) app, for scripts/rn-check.mjs: nothing from the DOM, no streams,
// and an AbortController whose signals lack throwIfAborted, and whose AbortSignal lacks timeout and any.
import vm from 'node:vm';

/** Names whose mere read would mean browser-only code ran on the React Native path. */
export const forbiddenReads = new Set(['window', 'document', 'localStorage', 'sessionStorage', 'self']);
/** Read-tracked names absent from the context: guarded feature detection may look at them and must cope. */
const tracked = [...forbiddenReads, 'location', 'navigator', 'ReadableStream', 'WritableStream', 'TransformStream', 'BroadcastChannel', 'FormData', 'Blob', 'TextDecoder', 'TextEncoder', 'DOMException', 'process', 'Buffer', 'require', 'crypto', 'performance'];

/** Real Node signals (so Node's fetch accepts them) behind a prototype that hides the three methods. */
function hiddenAbort() {
  const proto = Object.create(AbortSignal.prototype, { throwIfAborted: { value: undefined, writable: true, configurable: true } });
  function RNAbortSignal() {
    throw new TypeError('Illegal constructor');
  }
  RNAbortSignal.prototype = proto;
  Object.defineProperty(RNAbortSignal, Symbol.hasInstance, { value: (value) => value instanceof AbortSignal });
  let created = 0;
  class RNAbortController {
    #inner = new AbortController();
    constructor() {
      created++;
      Object.setPrototypeOf(this.#inner.signal, proto);
    }
    get signal() {
      return this.#inner.signal;
    }
    abort(reason) {
      this.#inner.abort(reason);
    }
  }
  return { AbortController: RNAbortController, AbortSignal: RNAbortSignal, created: () => created };
}

/** React Native's fetch gives no body streams: `response.body` is null, so ky reads bodies with text(). */
function withoutStream(response) {
  const clone = response.clone.bind(response);
  Object.defineProperty(response, 'body', { value: null, configurable: true });
  Object.defineProperty(response, 'clone', { value: () => withoutStream(clone()), configurable: true });
  return response;
}

export function rnGlobals() {
  const abort = hiddenAbort();
  const reads = [];
  let ContextTypeError = TypeError;
  const sandbox = {
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    atob,
    btoa,
    URL,
    URLSearchParams,
    Headers,
    Request,
    Response,
    AbortController: abort.AbortController,
    AbortSignal: abort.AbortSignal,
    async fetch(input, init) {
      try {
        return withoutStream(await fetch(input, init));
      } catch (error) {
        // A network failure, as the app's realm sees it.
        throw new ContextTypeError(error instanceof Error ? error.message : 'Network request failed');
      }
    },
  };
  for (const name of tracked) {
    Object.defineProperty(sandbox, name, {
      configurable: true,
      enumerable: false,
      get: () => void reads.push(name),
      set: (value) => Object.defineProperty(sandbox, name, { value, writable: true, configurable: true, enumerable: false }),
    });
  }
  return {
    sandbox,
    bind(context) {
      ContextTypeError = vm.runInContext('TypeError', context);
    },
    reads: () => [...new Set(reads)],
    controllersCreated: abort.created,
  };
}
