import type { ServerClock } from './clock';
import type { CounterBook } from './counters';
import type { KeyStore, StoredKey } from './key-store';
import { isSubsetScope, normaliseScope } from './scope';
import type { IssuedPair, Sessions } from './sessions';
import type { RotationMode } from './types';

export type RefreshResult =
  | { readonly ok: true; readonly pair: IssuedPair }
  | { readonly ok: false; readonly error: 'invalid_grant' | 'invalid_scope'; readonly description: string };

export interface RefreshRequest {
  readonly refreshToken: string;
  readonly deviceInfo: string | null;
  /** Narrower scope for the access token (OAuth refresh grant). */
  readonly scope?: string;
}

/** The latest pair of a family, kept only while its parent may still be replayed. */
interface LeewayEntry {
  readonly parentJti: string;
  readonly pair: IssuedPair;
  readonly until: number;
}

function fail(description: string): RefreshResult {
  return { ok: false, error: 'invalid_grant', description };
}

/** Exchanges refresh tokens according to the configured rotation mode. */
export class Rotator {
  readonly #leeway = new Map<string, LeewayEntry>();

  constructor(
    private readonly mode: RotationMode,
    private readonly sessions: Sessions,
    private readonly store: KeyStore,
    private readonly clock: ServerClock,
    private readonly counters: CounterBook,
  ) {}

  /** Exchanges run one at a time: a rotation's bookkeeping (hashing, signing) completes before the next exchange looks. */
  #queue: Promise<unknown> = Promise.resolve();

  refresh(request: RefreshRequest): Promise<RefreshResult> {
    const run = this.#queue.then(() => this.#refresh(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refresh(request: RefreshRequest): Promise<RefreshResult> {
    const now = this.clock.now();
    this.#prune(now);
    const record = await this.sessions.find(request.refreshToken);
    if (!record) return fail('Unknown refresh token');
    if (record.revokedAt !== null) return fail('The refresh token was revoked');
    if (now >= record.expiresAt) return fail('The refresh token expired');
    const scope = request.scope === undefined ? record.content.scope : normaliseScope(request.scope);
    if (!isSubsetScope(scope, record.content.scope)) {
      return { ok: false, error: 'invalid_scope', description: 'The requested scope exceeds the granted scope' };
    }
    if (this.mode === 'off') {
      record.lastUsedAt = now;
      return { ok: true, pair: await this.sessions.pair(record, request.refreshToken, scope) };
    }
    if (record.rotatedAt === null) return this.#rotate(record, request, scope);
    return this.#reuse(record, now);
  }

  /** Forgets cached pairs of a revoked family. */
  forget(familyId: string): void {
    this.#leeway.delete(familyId);
  }

  async #rotate(record: StoredKey, request: RefreshRequest, scope: string): Promise<RefreshResult> {
    const child = await this.sessions.rotate(record, request.deviceInfo);
    if (record.revokedAt !== null) {
      // The family was revoked while the child was being hashed: the child must not outlive it.
      this.store.revokeFamily(record.familyId, this.clock.now());
      return fail('The refresh token was revoked');
    }
    const pair = await this.sessions.pair(child.record, child.refreshToken, scope);
    if (typeof this.mode === 'object' && this.mode.leeway > 0 && record.rotatedAt !== null) {
      this.#leeway.set(record.familyId, { parentJti: record.jti, pair, until: record.rotatedAt + this.mode.leeway * 1000 });
    } else {
      this.#leeway.delete(record.familyId);
    }
    return { ok: true, pair };
  }

  async #reuse(record: StoredKey, now: number): Promise<RefreshResult> {
    const entry = this.#leeway.get(record.familyId);
    const current = this.store.current(record.familyId);
    if (entry && current && entry.parentJti === record.jti && current.parentJti === record.jti && now <= entry.until) {
      record.lastUsedAt = now;
      const pair = await this.sessions.replay(current, entry.pair);
      if (pair !== entry.pair) this.#leeway.set(record.familyId, { ...entry, pair });
      return { ok: true, pair };
    }
    this.store.revokeFamily(record.familyId, now);
    this.forget(record.familyId);
    this.counters.increment('reuseDetections');
    return fail('The refresh token was already used; its session has been revoked');
  }

  #prune(now: number): void {
    for (const [familyId, entry] of this.#leeway) {
      if (entry.until < now) this.#leeway.delete(familyId);
    }
  }
}
