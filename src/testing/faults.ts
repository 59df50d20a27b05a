import type { Fault, FaultEndpoint } from './types';

export const FAULT_ENDPOINTS: readonly FaultEndpoint[] = ['login', 'refresh', 'token', 'revoke', 'logout', 'resource', 'keys'];

/** FIFO queue of faults per endpoint; each call consumes at most one. */
export class FaultQueue {
  readonly #queues = new Map<FaultEndpoint, Fault[]>();

  inject(endpoint: FaultEndpoint, fault: Fault, times = 1): void {
    if (!FAULT_ENDPOINTS.includes(endpoint)) throw new TypeError(`unknown fault endpoint: ${String(endpoint)}`);
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    const queue = this.#queues.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#queues.set(endpoint, queue);
  }

  take(endpoint: FaultEndpoint): Fault | undefined {
    return this.#queues.get(endpoint)?.shift();
  }

  clear(): void {
    this.#queues.clear();
  }
}
