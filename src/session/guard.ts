/**
 * Waiters: promises a caller awaits that can be settled early, all at once (logout, session end,
 * dispose) or one by one (the caller's own AbortSignal), without ever touching the shared work.
 */
export interface WaiterSet {
  wait<T>(work: Promise<T>, signal?: AbortSignal | null): Promise<T>;
  rejectAll(error: unknown): void;
}

export function createWaiters(): WaiterSet {
  const pending = new Set<(error: unknown) => void>();
  return {
    wait: (work, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const done = () => {
          pending.delete(fail);
          signal?.removeEventListener('abort', onAbort);
        };
        const fail = (error: unknown) => {
          done();
          reject(error);
        };
        const onAbort = () => fail(signal?.reason);
        pending.add(fail);
        signal?.addEventListener('abort', onAbort);
        work.then((value) => {
          done();
          resolve(value);
        }, fail);
      }),
    rejectAll(error) {
      for (const fail of [...pending]) fail(error);
    },
  };
}
