/** The server clock: the configured time source plus an adjustable offset. */
export class ServerClock {
  #offset = 0;

  constructor(private readonly source: () => number) {}

  /** Epoch milliseconds. */
  now(): number {
    return this.source() + this.#offset;
  }

  /** Epoch seconds (JWT NumericDate). */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  setOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError('clock offset must be a finite number of milliseconds');
    this.#offset = ms;
  }
}
