import type { KyInstance } from 'ky';
import { InvalidArgumentError } from '../errors';

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
  /** The session this client is signed in with, as the server marked it (`current: true`); `false` when it did not say. */
  readonly current: boolean;
}

export interface SessionsApi {
  /** The signed-in user's sessions. Keys superseded by a rotation are left out: each family shows once. */
  list(options?: { signal?: AbortSignal }): Promise<DeviceSession[]>;
  /**
   * Revokes one session (and its rotation family). `false` when the server does not know it. When it
   * is the session this client holds (marked `current` by the last `list()`), the client is signed
   * out at once, everywhere, like a logout (`session:end` with reason `revoked`). Throws an
   * `InvalidArgumentError`, sending nothing, for an id that is empty or would not stay one path segment.
   */
  revoke(jti: string, options?: { signal?: AbortSignal }): Promise<boolean>;
}

/** What the client tells the sessions API about its own session. */
export interface SessionsHost {
  /** Changes whenever a session starts or ends in this client: a `current` mark seen in another session is void. */
  session(): number;
  /** The server revoked the session this client holds: end it locally. */
  endCurrent(): Promise<void>;
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
    current: (source['current'] ?? pick(source, 'isCurrent', 'is_current')) === true,
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
 * `<keys>/<jti>`, or an `InvalidArgumentError`. Percent-encoding keeps `/`, `?` and `#` inside the
 * segment, but URL resolution still removes `.` and `..` segments (WHATWG URL, RFC 3986 §5.2.4), so
 * `DELETE keys/..` would reach the parent resource: such ids are refused, and the result is checked.
 */
function keyUrl(base: string, jti: unknown): string {
  const invalid = () => new InvalidArgumentError('A session id must be a string of 1-256 characters, no control characters, not "." or "..".');
  if (typeof jti !== 'string' || jti === '' || jti === '.' || jti === '..' || jti.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(jti)) throw invalid();
  let target: string;
  try {
    target = `${base}/${encodeURIComponent(jti)}`;
  } catch {
    throw invalid(); // a lone surrogate
  }
  const parsed = new URL(target);
  if (`${parsed.origin}${parsed.pathname}` !== target) throw invalid();
  return target;
}

/**
 * `auth.sessions`: the key admin API (`GET <keys>`, `DELETE <keys>/:jti`) called through `auth.http`,
 * so the Bearer token, refresh and replay apply as for any API call.
 */
export function createSessionsApi(http: KyInstance, url: string, host: SessionsHost): SessionsApi {
  const base = url.endsWith('/') ? url.slice(0, -1) : url;
  /** The ids the last `list()` marked as this client's own session, and the session that list was made in. */
  let own: { jtis: ReadonlySet<string>; session: number } = { jtis: new Set(), session: -1 };
  return {
    async list(options = {}) {
      const session = host.session();
      const body = await http.get(base, options.signal === undefined ? {} : { signal: options.signal }).json<unknown>();
      const sessions = entries(body).flatMap((entry) => toSession(entry) ?? []);
      if (host.session() === session) own = { jtis: new Set(sessions.filter((s) => s.current).map((s) => s.jti)), session };
      return sessions;
    },
    async revoke(jti, options = {}) {
      const target = keyUrl(base, jti);
      const session = host.session();
      const response = await http.delete(target, {
        throwHttpErrors: (status) => status !== 404,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      void response.body?.cancel().catch(() => undefined);
      if (response.status === 404) return false;
      // This client's own session is gone at the server: end it here now, not at its next refresh.
      if (own.session === session && host.session() === session && own.jtis.has(jti)) await host.endCurrent();
      return true;
    },
  };
}
