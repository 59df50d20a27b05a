import { describe, expect, it } from 'vitest';
import { DEFAULT_STORAGE_KEY, decodeSession, encodeSession, isB64Token } from '../../src/session/storage';
import type { StoredSession } from '../../src/session/storage';

const valid: StoredSession = {
  v: 1,
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_~+/=',
  refreshToken: 'rt_abc.DEF-123',
  expiresAt: 1_700_000_060_000,
  receivedAt: 1_700_000_000_000,
  generation: 3,
  scope: 'read write',
};

const reason = (raw: string) => {
  const r = decodeSession(raw);
  return r.ok ? 'ok' : r.reason;
};
const withFields = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });

describe('session codec', () => {
  it('round-trips', () => {
    expect(decodeSession(encodeSession(valid))).toEqual({ ok: true, session: valid });
    expect(DEFAULT_STORAGE_KEY).toBe('tokenflight.session');
  });

  it('encodes only the known fields', () => {
    const extra = { ...valid, password: 'x' } as StoredSession;
    expect(Object.keys(JSON.parse(encodeSession(extra)))).toEqual(Object.keys(valid));
  });

  it('accepts a null refresh token (cookie mode) or a null access token', () => {
    expect(reason(withFields({ refreshToken: null }))).toBe('ok');
    expect(reason(withFields({ accessToken: null, expiresAt: 0 }))).toBe('ok');
    expect(reason(withFields({ scope: null }))).toBe('ok');
  });

  it('rejects non-JSON and non-objects', () => {
    expect(reason('{"v":1')).toBe('malformed');
    expect(reason('not json')).toBe('malformed');
    expect(decodeSession('not-json').ok).toBe(false);
    expect(reason('[]')).toBe('malformed');
    expect(reason('null')).toBe('malformed');
    expect(reason('42')).toBe('malformed');
    expect(reason('')).toBe('malformed');
  });

  it('rejects prototype keys without polluting Object.prototype', () => {
    const raw = `{"__proto__":{"polluted":true},"v":1,"accessToken":"a","refreshToken":"r","expiresAt":0,"receivedAt":0,"generation":1,"scope":null}`;
    expect(reason(raw)).toBe('malformed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(reason(withFields({ constructor: {} }))).toBe('malformed');
    expect(reason(withFields({ prototype: {} }))).toBe('malformed');
  });

  it('never returns the parsed object itself', () => {
    const r = decodeSession(withFields({ extra: 'drop me' }));
    expect(r.ok && Object.keys(r.session)).toEqual(Object.keys(valid));
  });

  it('reports old layouts as a version mismatch', () => {
    expect(reason('{"access":"a","refresh":"r"}')).toBe('version');
    expect(reason(withFields({ v: 2 }))).toBe('version');
    expect(reason(withFields({ v: '1' }))).toBe('version');
    expect(reason('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe('version'); // bare token
  });

  it.each([
    ['CR/LF', 'abc\r\ndef'],
    ['space', 'abc def'],
    ['NUL', 'abc\u0000'],
    ['non-ASCII', 'abcé'],
    ['empty', ''],
    ['inner padding', 'ab=c'],
    ['70k chars', 'a'.repeat(70_000)],
    ['number', 123],
  ])('rejects a token with %s', (_, token) => {
    expect(reason(withFields({ accessToken: token }))).toBe('invalid');
    // A refresh token never reaches a header: any printable ASCII but the space is fine (RFC 6749 A.17).
    expect(reason(withFields({ refreshToken: token }))).toBe(token === 'ab=c' ? 'ok' : 'invalid');
  });

  it('rejects wrong types and bad numbers', () => {
    expect(reason(withFields({ accessToken: null, refreshToken: null }))).toBe('invalid');
    expect(reason(withFields({ expiresAt: -1 }))).toBe('invalid');
    expect(reason(withFields({ expiresAt: '5' }))).toBe('invalid');
    expect(reason(withFields({ expiresAt: null }))).toBe('invalid'); // NaN/Infinity serialise as null
    expect(reason(withFields({ receivedAt: -0.5 }))).toBe('invalid');
    expect(reason(encodeSession(valid).replace('"expiresAt":1700000060000', '"expiresAt":1e400'))).toBe('invalid'); // Infinity
    expect(reason(withFields({ generation: 0 }))).toBe('invalid');
    expect(reason(withFields({ generation: 1.5 }))).toBe('invalid');
    expect(reason(withFields({ generation: -2 }))).toBe('invalid');
    expect(reason(withFields({ generation: 2 ** 53 }))).toBe('invalid');
    expect(reason(withFields({ scope: 'a\nb' }))).toBe('invalid');
    expect(reason(withFields({ scope: 5 }))).toBe('invalid');
    expect(reason(withFields({ scope: undefined }))).toBe('invalid');
  });

  it('isB64Token follows RFC 6750', () => {
    expect(isB64Token('aZ09-._~+/==')).toBe(true);
    expect(isB64Token('')).toBe(false);
    expect(isB64Token('=')).toBe(false);
    expect(isB64Token('a b')).toBe(false);
    expect(isB64Token('a\n')).toBe(false);
  });
});
