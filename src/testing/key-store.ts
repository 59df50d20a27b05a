import type { RefreshKeyRecord } from './types';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
export type StoredKey = Writable<RefreshKeyRecord>;

function copy(record: StoredKey): RefreshKeyRecord {
  return { ...record, content: { ...record.content } };
}

/** In-memory refresh key records, indexed by jti and by token hash. */
export class KeyStore {
  readonly #byJti = new Map<string, StoredKey>();
  readonly #byHash = new Map<string, StoredKey>();

  add(record: StoredKey): void {
    this.#byJti.set(record.jti, record);
    this.#byHash.set(record.tokenHash, record);
  }

  get(jti: string): StoredKey | undefined {
    return this.#byJti.get(jti);
  }

  findByHash(tokenHash: string): StoredKey | undefined {
    return this.#byHash.get(tokenHash);
  }

  hasHash(tokenHash: string): boolean {
    return this.#byHash.has(tokenHash);
  }

  family(familyId: string): StoredKey[] {
    return [...this.#byJti.values()].filter((record) => record.familyId === familyId);
  }

  /** The family's live token: neither rotated nor revoked. */
  current(familyId: string): StoredKey | undefined {
    return this.family(familyId).find((record) => record.rotatedAt === null && record.revokedAt === null);
  }

  /** Revokes every unrevoked record of the family; returns how many were revoked. */
  revokeFamily(familyId: string, now: number): number {
    let revoked = 0;
    for (const record of this.family(familyId)) {
      if (record.revokedAt === null) {
        record.revokedAt = now;
        revoked++;
      }
    }
    return revoked;
  }

  /** Copies, in creation order. */
  list(filter?: (record: RefreshKeyRecord) => boolean): RefreshKeyRecord[] {
    const all = [...this.#byJti.values()].map(copy);
    return filter ? all.filter(filter) : all;
  }
}
