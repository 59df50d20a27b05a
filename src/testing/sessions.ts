import type { AccessTokens } from './access-tokens';
import type { ServerClock } from './clock';
import { sha256Hex } from './crypto';
import { randomId, randomToken } from './encoding';
import type { KeyStore, StoredKey } from './key-store';
import type { ResolvedOptions, ResolvedUser } from './options';
import type { RefreshKeyContent } from './types';

const DEVICE_INFO_LIMIT = 200;

export interface IssuedPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly scope: string;
  /** When the refresh token's family expires (epoch ms). */
  readonly refreshExpiresAt: number;
  /** `DPoP` when the family is bound to a key (RFC 9449 §5), `Bearer` otherwise. */
  readonly tokenType: 'Bearer' | 'DPoP';
}

export interface StartOptions {
  readonly user: ResolvedUser;
  readonly audience: string;
  /** Seconds. */
  readonly lifetime: number;
  readonly deviceInfo: string | null;
  readonly content?: Readonly<Record<string, unknown>>;
}

export interface Started {
  readonly record: StoredKey;
  readonly refreshToken: string;
}

export function cleanDeviceInfo(value: unknown): string | null {
  return typeof value === 'string' ? value.slice(0, DEVICE_INFO_LIMIT) : null;
}

/** Users, refresh key creation and token pairs: the building blocks of every grant. */
export class Sessions {
  constructor(
    private readonly options: ResolvedOptions,
    private readonly clock: ServerClock,
    private readonly store: KeyStore,
    private readonly access: AccessTokens,
  ) {}

  user(username: string): ResolvedUser | undefined {
    return this.options.users.find((user) => user.username === username);
  }

  userBySub(sub: string): ResolvedUser | undefined {
    return this.options.users.find((user) => user.sub === sub);
  }

  authenticate(username: unknown, password: unknown): ResolvedUser | undefined {
    const user = typeof username === 'string' ? this.user(username) : undefined;
    return user !== undefined && user.password === password ? user : undefined;
  }

  /** A new key family with its first refresh token. */
  async start(options: StartOptions): Promise<Started> {
    const now = this.clock.now();
    const content: RefreshKeyContent = {
      ...options.user.claims,
      scope: options.user.scope,
      ...options.content,
      sub: options.user.sub,
    };
    const familyId = randomId();
    return this.#create({
      username: options.user.username,
      audience: options.audience,
      lifetime: options.lifetime,
      createdAt: now,
      expiresAt: now + options.lifetime * 1000,
      content,
      deviceInfo: options.deviceInfo,
      familyId,
      parentJti: null,
    });
  }

  /** The next token of a family; the family's expiry carries over unchanged. */
  async rotate(parent: StoredKey, deviceInfo: string | null): Promise<Started> {
    const now = this.clock.now();
    parent.rotatedAt = now;
    parent.lastUsedAt = now;
    return this.#create({
      username: parent.username,
      audience: parent.audience,
      lifetime: parent.lifetime,
      createdAt: now,
      expiresAt: parent.expiresAt,
      content: parent.content,
      deviceInfo: deviceInfo ?? parent.deviceInfo,
      familyId: parent.familyId,
      parentJti: parent.jti,
    });
  }

  /** An access token for the record, paired with the given raw refresh token. */
  async pair(record: StoredKey, refreshToken: string, scope: string = record.content.scope): Promise<IssuedPair> {
    const accessToken = await this.access.issue(record.content, record.audience, record.familyId, scope);
    const tokenType = this.access.boundKey(record.familyId) === undefined ? 'Bearer' : 'DPoP';
    return { accessToken, refreshToken, expiresIn: this.options.accessTokenTtl, scope, refreshExpiresAt: record.expiresAt, tokenType };
  }

  /** A cached pair again while its access token is accepted; otherwise the same refresh token with a fresh access token. */
  async replay(record: StoredKey, cached: IssuedPair): Promise<IssuedPair> {
    return (await this.access.verify(cached.accessToken)).ok ? cached : this.pair(record, cached.refreshToken, cached.scope);
  }

  /** Finds the record of a raw refresh token. */
  async find(refreshToken: string): Promise<StoredKey | undefined> {
    return this.store.findByHash(await sha256Hex(refreshToken));
  }

  /** Revokes the family of a raw refresh token; the number of records revoked. */
  async revokeFamilyOf(refreshToken: string): Promise<number> {
    const record = await this.find(refreshToken);
    return record ? this.store.revokeFamily(record.familyId, this.clock.now()) : 0;
  }

  async #create(fields: Omit<StoredKey, 'jti' | 'tokenHash' | 'revokedAt' | 'lastUsedAt' | 'rotatedAt'>): Promise<Started> {
    const refreshToken = randomToken(32);
    const record: StoredKey = {
      jti: randomId(),
      ...fields,
      tokenHash: await sha256Hex(refreshToken),
      revokedAt: null,
      lastUsedAt: null,
      rotatedAt: null,
    };
    this.store.add(record);
    return { record, refreshToken };
  }
}
