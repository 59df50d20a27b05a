import { resolveClient, type ResolvedClient } from './clients';
import { randomToken } from './encoding';
import { resolveDpopOptions, type ResolvedDpopOptions } from './dpop/service';
import type { AuthServerOptions, AuthServerUser, RotationMode } from './types';

export interface ResolvedUser {
  readonly username: string;
  readonly password: string;
  readonly sub: string;
  readonly scope: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface ResolvedOptions {
  readonly origin: string;
  readonly accessTokenTtl: number;
  readonly refreshKeyLifetime: number;
  readonly rotation: RotationMode;
  readonly users: readonly ResolvedUser[];
  readonly clients: readonly ResolvedClient[];
  readonly codeLifetime: number;
  readonly idTokenTtl: number;
  readonly cookieMode: boolean;
  readonly audience: string;
  readonly secret: string;
  readonly now: () => number;
  readonly dpop: ResolvedDpopOptions;
}

const THIRTY_DAYS = 30 * 24 * 60 * 60;
const DEFAULT_USERS: readonly AuthServerUser[] = [{ username: 'ada', password: 'lovelace', scope: 'read write' }];

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of seconds`);
  return value;
}

function resolveRotation(rotation: RotationMode | undefined): RotationMode {
  if (rotation === undefined) return 'strict';
  if (typeof rotation === 'object' && (!Number.isFinite(rotation.leeway) || rotation.leeway < 0)) {
    throw new RangeError('rotation leeway must be a non-negative number of seconds');
  }
  return rotation;
}

function resolveUser(user: AuthServerUser): ResolvedUser {
  return {
    username: user.username,
    password: user.password,
    sub: user.sub ?? user.username,
    scope: user.scope ?? 'read write',
    claims: { ...user.claims },
  };
}

export function resolveOptions(options: AuthServerOptions = {}): ResolvedOptions {
  const origin = new URL(options.origin ?? 'https://auth.test').origin;
  return {
    origin,
    accessTokenTtl: positive(options.accessTokenTtl, 'accessTokenTtl', 300),
    refreshKeyLifetime: positive(options.refreshKeyLifetime, 'refreshKeyLifetime', THIRTY_DAYS),
    rotation: resolveRotation(options.rotation),
    users: (options.users ?? DEFAULT_USERS).map(resolveUser),
    clients: (options.clients ?? ['tokenflight']).map(resolveClient),
    codeLifetime: positive(options.codeLifetime, 'codeLifetime', 60),
    idTokenTtl: positive(options.idTokenTtl, 'idTokenTtl', 300),
    cookieMode: options.cookieMode ?? false,
    audience: options.audience ?? 'tokenflight-api',
    secret: options.secret ?? randomToken(32),
    now: options.now ?? (() => Date.now()),
    dpop: resolveDpopOptions(options.dpop),
  };
}

/** Rotation mode that tolerates reuse of the immediate parent token for `seconds`. */
export function leeway(seconds: number): { readonly leeway: number } {
  return { leeway: seconds };
}
