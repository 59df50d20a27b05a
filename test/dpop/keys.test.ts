import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { dpop, isSessionEndedError, memoryKeyStore, memoryStorage, webCryptoKeys, type DpopKeySource, type DpopSigner, type PublicJwk } from '../../src';
import { browserKeyStore } from '../../src/dpop/webcrypto-keys';
import { leeway } from '../../src/testing';
import { until } from '../dialects/support';
import { tabs } from '../tabs/support';
import { jtis, jump, record, setupDpop, signIn } from './support';

const env = setupDpop();

describe('a fresh proof on every send (RFC 9449 §11.1)', () => {
  it("ky's network retry and the 401 replay each carry a new jti and iat-current proof", async () => {
    const server = env.server();
    const auth = env.dpopClient({ http: { retry: { limit: 2, delay: () => 10 } } });
    await signIn(auth);
    server.inject('resource', { type: 'network-error' });
    await until(auth.http.get('api/me').json());
    server.expireAccessTokens();
    await until(auth.http.get('api/me').json());
    const sends = env.to('/api/me');
    expect(sends).toHaveLength(4); // network error + retry, 401 + replay
    expect(new Set(jtis(sends)).size).toBe(4);
    expect(sends[3]?.claims?.['ath']).not.toBe(sends[2]?.claims?.['ath']);
    expect(env.to('/auth/refresh')).toHaveLength(1);
    expect(server.counters.dpopProofsRejected).toEqual({});
  });

  it('the lost-response resend: a fresh proof with the same refresh token; the binding survives', async () => {
    const server = env.server({ accessTokenTtl: 60, rotation: leeway(30) });
    const auth = env.dpopClient({ autoRefresh: false });
    await signIn(auth);
    server.inject('refresh', { type: 'rotate-then-drop' });
    jump(61_000);
    await until(auth.http.get('api/me').json());
    const refreshes = env.to('/auth/refresh');
    expect(refreshes).toHaveLength(2);
    expect(new Set(jtis(refreshes)).size).toBe(2);
    expect(server.counters).toMatchObject({ reuseDetections: 0, dpopProofsRejected: {} });
    const [first] = server.keys('ada');
    expect(server.dpop.boundKey(first?.jti ?? '')).toBeDefined();
    await auth.refresh();
    expect(server.counters.dpopProofsRejected).toEqual({});
  });
});

describe('keys and sessions', () => {
  it('a stored session whose key is gone ends once (dpop-key-lost), without sending its refresh token', async () => {
    const server = env.server();
    const storage = memoryStorage();
    const first = env.dpopClient({ storage });
    await signIn(first);
    first.dispose();
    server.resetCounters();
    // Same storage, but the key store was cleared (or the session was copied to another device).
    const second = env.dpopClient({ storage });
    const log = record(second);
    await second.ready;
    const results = await Promise.all([second.http.get('api/me').json().catch((e: unknown) => e), second.http.get('api/me').json().catch((e: unknown) => e)]);
    for (const error of results) expect(isSessionEndedError(error) && error.reason).toBe('dpop-key-lost');
    expect(log.of('session:end')).toEqual([{ reason: 'dpop-key-lost', origin: 'local' }]);
    expect(server.counters).toMatchObject({ refreshCalls: 0, resourceRequests: 0 });
    expect(second.session.status).toBe('unauthenticated');
    expect(await storage.getItem('tokenflight.session')).toBeNull();
  });

  it('a session restored with its key keeps working (the key store outlives the client)', async () => {
    const server = env.server();
    const storage = memoryStorage();
    const keys = memoryKeyStore();
    const first = env.dpopClient({ storage }, keys);
    await signIn(first);
    first.dispose();
    const second = env.dpopClient({ storage }, keys);
    expect(await second.http.get('api/me').json()).toMatchObject({ username: 'ada' });
    await second.refresh();
    expect(server.counters.dpopProofsRejected).toEqual({});
  });

  it('two clients sharing one store and one key: strict rotation, one refresh, no reuse; either may refresh', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const keys = memoryKeyStore();
    const { clients } = tabs(env, 2, { autoRefresh: false, dpop: dpop({ keys: webCryptoKeys({ store: keys }) }) });
    const [a, b] = clients as [NonNullable<(typeof clients)[0]>, NonNullable<(typeof clients)[0]>];
    await signIn(a);
    await until(b.ready);
    jump(61_000);
    await until(Promise.all([a.http.get('api/me').json(), b.http.get('api/me').json(), a.http.get('api/me').json()]));
    expect(server.counters).toMatchObject({ refreshCalls: 1, reuseDetections: 0, dpopProofsRejected: {} });
    jump(61_000);
    await until(b.http.get('api/me').json());
    await until(a.http.get('api/me').json());
    expect(server.counters).toMatchObject({ refreshCalls: 2, reuseDetections: 0, dpopProofsRejected: {} });
  });

  it('logout may rotate the key: the next session is bound to a new one', async () => {
    const server = env.server();
    const keys = memoryKeyStore();
    const rotating = env.dpopClient({}, keys, { rotateOnLogout: true });
    await signIn(rotating);
    await rotating.logout();
    await signIn(rotating);
    const [one, two] = server.keys('ada').map((key) => server.dpop.boundKey(key.jti));
    expect(one).toBeDefined();
    expect(two).toBeDefined();
    expect(two).not.toBe(one);
    const keeping = env.dpopClient({ storageKey: 'other' });
    await signIn(keeping);
    await keeping.logout();
    await signIn(keeping);
    const [, , three, four] = server.keys('ada').map((key) => server.dpop.boundKey(key.jti));
    expect(four).toBe(three);
  });
});

/** A key source without WebCrypto, as a React Native app would write with a native crypto module. */
function nativeKeys(): DpopKeySource & { created: number } {
  const keys = new Map<string, DpopSigner>();
  const source = {
    created: 0,
    async load(name: string) {
      const existing = keys.get(name);
      if (existing) return existing;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
      const signer: DpopSigner = {
        alg: 'ES256',
        jwk: { kty, crv, x, y } as PublicJwk,
        sign: async (data) => new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
      };
      keys.set(name, signer);
      source.created++;
      return signer;
    },
    remove: async (name: string) => void keys.delete(name),
  };
  return source;
}

describe('the key source contract (React Native adapters)', () => {
  it('signs, hashes and draws jti through the injected functions: no WebCrypto key is made', async () => {
    const server = env.server({ accessTokenTtl: 60 });
    const keys = nativeKeys();
    const generate = vi.spyOn(globalThis.crypto.subtle, 'generateKey');
    const auth = env.client({
      autoRefresh: false,
      dpop: dpop({
        keys,
        sha256: async (data) => new Uint8Array(createHash('sha256').update(data).digest()),
        randomBytes: (size) => new Uint8Array(randomBytes(size)),
      }),
    });
    await signIn(auth);
    jump(61_000);
    expect(await until(auth.http.get('api/me').json())).toMatchObject({ username: 'ada' });
    expect(keys.created).toBe(1);
    expect(generate).not.toHaveBeenCalled();
    expect(server.counters).toMatchObject({ dpopProofsAccepted: 3, dpopProofsRejected: {}, refreshCalls: 1 });
  });
});

describe('a browser whose IndexedDB refuses to open (private mode, blocked storage)', () => {
  it('keeps DPoP working with keys in memory for the page: the login is bound and proved', async () => {
    const server = env.server();
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
      },
    });
    try {
      const auth = env.client({ dpop: dpop() });
      await signIn(auth);
      await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(server.counters).toMatchObject({ dpopProofsRejected: {} });
    expect(server.keys('ada').map((key) => server.dpop.boundKey(key.jti))).toEqual([expect.any(String)]);
  });
});

describe('a browser whose IndexedDB fails once on first use (a passing hiccup)', () => {
  it('tries it once more before falling back to memory: the stored key a session is bound to is still found', async () => {
    const stored = memoryKeyStore();
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    await stored.add('tokenflight', pair);
    let failures = 1;
    const flaky = {
      get: (name: string) => (failures-- > 0 ? Promise.reject(new DOMException('transient', 'UnknownError')) : stored.get(name)),
      add: (name: string, p: CryptoKeyPair) => stored.add(name, p),
      delete: (name: string) => stored.delete(name),
    };
    const keys = browserKeyStore(flaky);
    expect(await keys.get('tokenflight')).toBe(pair);
    // Latched on IndexedDB: a key added later lands there too.
    await keys.delete('tokenflight');
    expect(await stored.get('tokenflight')).toBeUndefined();
  });

  it('falls back to memory for the page when it fails twice (private browsing), and stays there', async () => {
    const failing = {
      get: () => Promise.reject(new DOMException('blocked', 'InvalidStateError')),
      add: () => Promise.reject(new DOMException('blocked', 'InvalidStateError')),
      delete: () => Promise.reject(new DOMException('blocked', 'InvalidStateError')),
    };
    const keys = browserKeyStore(failing);
    expect(await keys.get('tokenflight')).toBeUndefined();
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    expect(await keys.add('tokenflight', pair)).toBe(pair);
    expect(await keys.get('tokenflight')).toBe(pair);
  });
});
