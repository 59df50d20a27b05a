import type { KyInstance } from 'ky';

/**
 * One of the user's sessions (a refresh key: a signed-in device, or a key minted for a service), as
 * the server's key admin API describes it. Only these fields are ever copied: never a hash or a token.
 */
export interface DeviceSession {
  readonly jti: string;
  readonly audience: string | null;
  /** Epoch ms (server clock), or `null` when the server did not say. */
  readonly createdAt: number | null;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  /** Set once the key (and its family) was revoked. */
  readonly revokedAt: number | null;
  /** What the client reported when the session started (e.g. "Firefox on Linux"). */
  readonly deviceInfo: string | null;
}

export interface SessionsApi {
  /** The signed-in user's sessions. Keys superseded by a rotation are left out: each family shows once. */
  list(options?: { signal?: AbortSignal }): Promise<DeviceSession[]>;
  /** Revokes one session (and its rotation family). `false` when the server does not know it. */
  revoke(jti: string, options?: { signal?: AbortSignal }): Promise<boolean>;
}

const MAX_TEXT = 256;

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

const pick = (source: Record<string, unknown>, camel: string, snake: string): unknown => source[camel] ?? source[snake];

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length <= MAX_TEXT ? value.replace(/[\u0000-\u001f\u007f]/g, '') : null;
}

function time(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Whitelists the page's fields of one entry; entries without a usable `jti` are dropped. */
function toSession(entry: unknown): DeviceSession | null {
  const source = record(entry);
  const jti = source === null ? null : text(source['jti'] ?? source['id']);
  if (source === null || jti === null || jti === '') return null;
  if (time(pick(source, 'rotatedAt', 'rotated_at')) !== null) return null;
  return {
    jti,
    audience: text(source['audience'] ?? source['aud']),
    createdAt: time(pick(source, 'createdAt', 'created_at')),
    expiresAt: time(pick(source, 'expiresAt', 'expires_at')),
    lastUsedAt: time(pick(source, 'lastUsedAt', 'last_used_at')),
    revokedAt: time(pick(source, 'revokedAt', 'revoked_at')),
    deviceInfo: text(pick(source, 'deviceInfo', 'device_info')),
  };
}

/** `{ keys: [...] }`, `{ sessions: [...] }` or a bare array. */
function entries(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const source = record(body);
  const list = source?.['keys'] ?? source?.['sessions'];
  return Array.isArray(list) ? list : [];
}

/**
 * `auth.sessions`: the key admin API (`GET <keys>`, `DELETE <keys>/:jti`) called through `auth.http`,
 * so the Bearer token, refresh and replay apply as for any API call.
 */
export function createSessionsApi(http: KyInstance, url: string): SessionsApi {
  const base = url.endsWith('/') ? url.slice(0, -1) : url;
  return {
    async list(options = {}) {
      const body = await http.get(base, options.signal === undefined ? {} : { signal: options.signal }).json<unknown>();
      return entries(body).flatMap((entry) => toSession(entry) ?? []);
    },
    async revoke(jti, options = {}) {
      if (typeof jti !== 'string' || jti === '' || jti.length > MAX_TEXT) throw new TypeError('`jti` must be a non-empty string.');
      const response = await http.delete(`${base}/${encodeURIComponent(jti)}`, {
        throwHttpErrors: (status) => status !== 404,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      void response.body?.cancel().catch(() => undefined);
      return response.status !== 404;
    },
  };
}
