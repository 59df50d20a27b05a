/** Proof `jti`s seen within the acceptance window (RFC 9449 §11.1): a second sighting is a replay. */
export class ReplayCache {
  readonly #seen = new Map<string, number>();

  /** True when `jti` is new (and remembers it until `until`, epoch ms). */
  admit(jti: string, now: number, until: number): boolean {
    // Entries are kept in insertion order, which is expiry order on a clock that does not go back.
    for (const [seen, expires] of this.#seen) {
      if (expires >= now) break;
      this.#seen.delete(seen);
    }
    if (this.#seen.has(jti)) return false;
    this.#seen.set(jti, until);
    return true;
  }
}
