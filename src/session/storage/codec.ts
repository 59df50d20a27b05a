import { isB64Token, isRefreshToken } from '../b64token';
import type { StoredSession } from './types';

export { isB64Token, MAX_TOKEN_LENGTH } from '../b64token';
export const DEFAULT_STORAGE_KEY = 'tokenflight.session';

export type DecodeResult =
  | { ok: true; session: StoredSession }
  | { ok: false; reason: 'malformed' | 'version' | 'invalid' };

const CONTROL = /[\u0000-\u001f\u007f]/;
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

const isToken = (v: unknown): v is string | null => v === null || isB64Token(v);

/** Far above any real count (one per refresh), yet leaves room to increment: a stored MAX_SAFE_INTEGER + 1 would no longer load. */
const MAX_GENERATION = 2 ** 48;

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A session identity as stored and broadcast: short, printable, nothing a header or a log could be confused by. */
export const isSessionId = (v: unknown): v is string => typeof v === 'string' && /^[\w-]{1,64}$/.test(v);

export function encodeSession(s: StoredSession): string {
  const { accessToken, refreshToken, expiresAt, receivedAt, generation, scope, sid, jkt, idToken } = s;
  return JSON.stringify({ v: 1, accessToken, refreshToken, expiresAt, receivedAt, generation, scope, sid, idToken, jkt });
}

/** Validates a stored blob field by field; storage is untrusted. Never throws. */
export function decodeSession(raw: string): DecodeResult {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    // A bare token is the oldest layout; anything else is garbage.
    return { ok: false, reason: isB64Token(raw) ? 'version' : 'malformed' };
  }
  if (
    typeof o !== 'object' ||
    o === null ||
    Array.isArray(o) ||
    Object.getPrototypeOf(o) !== Object.prototype ||
    Object.keys(o).some((k) => FORBIDDEN_KEYS.includes(k))
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const { v, accessToken, refreshToken, expiresAt, receivedAt, generation, scope, sid, jkt, idToken } = o as Record<string, unknown>;
  if (v !== 1) return { ok: false, reason: 'version' };
  if (
    !isToken(accessToken) ||
    !(refreshToken === null || isRefreshToken(refreshToken)) ||
    (accessToken === null && refreshToken === null) ||
    !isTime(expiresAt) ||
    !isTime(receivedAt) ||
    !Number.isSafeInteger(generation) ||
    (generation as number) < 1 ||
    (generation as number) > MAX_GENERATION ||
    !(scope === null || (typeof scope === 'string' && !CONTROL.test(scope))) ||
    !(sid === undefined || isSessionId(sid)) ||
    // DPoP: passed through; only the DPoP layer compares it with its key's thumbprint (a malformed one never matches).
    !(jkt === undefined || typeof jkt === 'string') ||
    !(idToken === undefined || (isB64Token(idToken) && idToken.split('.').length === 3))
  ) {
    return { ok: false, reason: 'invalid' };
  }
  return {
    ok: true,
    session: {
      v: 1,
      accessToken,
      refreshToken,
      expiresAt,
      receivedAt,
      generation: generation as number,
      scope,
      ...(sid === undefined ? {} : { sid }),
      ...(jkt === undefined ? {} : { jkt: jkt as string }),
      ...(idToken === undefined ? {} : { idToken }),
    },
  };
}
