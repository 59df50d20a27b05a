import type { Fault, FaultEndpoint } from './types';

export const FAULT_ENDPOINTS: readonly FaultEndpoint[] = ['login', 'refresh', 'token', 'revoke', 'logout', 'resource', 'keys', 'authorize'];

/** FIFO queue of faults per endpoint; each call consumes at most one. `times` is a count, never expanded. */
export class FaultQueue {
  readonly #queues = new Map<FaultEndpoint, Array<{ fault: Fault; left: number }>>();

  inject(endpoint: FaultEndpoint, fault: Fault, times = 1): void {
    if (!FAULT_ENDPOINTS.includes(endpoint)) throw new TypeError(`unknown fault endpoint: ${String(endpoint)}`);
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    const queue = this.#queues.get(endpoint) ?? [];
    queue.push({ fault, left: times });
    this.#queues.set(endpoint, queue);
  }

  take(endpoint: FaultEndpoint): Fault | undefined {
    const queue = this.#queues.get(endpoint);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return undefined;
    if (--head.left === 0) queue.shift();
    return head.fault;
  }

  clear(): void {
    this.#queues.clear();
  }
}
