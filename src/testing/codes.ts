import type { ServerClock } from './clock';
import { sha256Hex } from './crypto';
import { randomToken } from './encoding';
import type { ResolvedUser } from './options';

/** What an authorization code was issued for (RFC 6749 §4.1.2, RFC 7636 §4.4). */
export interface CodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  /** The S256 `code_challenge`. */
  readonly challenge: string;
  readonly user: ResolvedUser;
  readonly scope: string;
  readonly nonce: string | null;
  readonly authTime: number;
}

interface StoredCode {
  readonly grant: CodeGrant;
  readonly expiresAt: number;
  used: boolean;
  /** The key family the code's exchange started: revoked when the code comes back (§4.1.2). */
  familyId: string | null;
}

export type Redemption =
  | { readonly ok: true; readonly grant: CodeGrant; issued(familyId: string): void }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'reused'; readonly familyId: string | null };

/** One-time authorization codes, stored by hash (the raw code is never kept). */
export class AuthCodes {
  readonly #codes = new Map<string, StoredCode>();

  constructor(
    private readonly clock: ServerClock,
    private readonly lifetimeSeconds: number,
  ) {}

  async issue(grant: CodeGrant): Promise<string> {
    const code = randomToken(32);
    const now = this.clock.now();
    for (const [hash, stored] of this.#codes) if (stored.expiresAt + 600_000 < now) this.#codes.delete(hash);
    this.#codes.set(await sha256Hex(code), { grant, expiresAt: now + this.lifetimeSeconds * 1000, used: false, familyId: null });
    return code;
  }

  /** Redeems a code once: a second presentation is `reused`, whatever the first one's outcome. */
  async redeem(code: string): Promise<Redemption> {
    const stored = this.#codes.get(await sha256Hex(code));
    if (stored === undefined) return { ok: false, reason: 'unknown', familyId: null };
    if (stored.used) return { ok: false, reason: 'reused', familyId: stored.familyId };
    stored.used = true;
    if (this.clock.now() >= stored.expiresAt) return { ok: false, reason: 'expired', familyId: null };
    return {
      ok: true,
      grant: stored.grant,
      issued: (familyId) => {
        stored.familyId = familyId;
      },
    };
  }
}
