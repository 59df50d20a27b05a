import { describe, expect, it, vi } from 'vitest';
import type { AuthServer } from '../../src/testing';
import { thumbprint } from '../../src/testing/dpop/jws';
import { makeProof, testKey, type ProofInput, type TestKey } from './dpop-support';
import { claimsOf, postForm, postJson, setupAuthMsw, useFakeClock } from './support';

const start = setupAuthMsw();

type Omitted = Omit<ProofInput, 'htm' | 'htu'> & { htu?: string };

async function dpopLogin(server: AuthServer, key: TestKey, extra: Omitted = {}) {
  const proof = await makeProof(key, { htm: 'POST', htu: `${server.origin}/auth/login`, ...extra });
  return postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' }, { dpop: proof });
}

async function boundSession(server: AuthServer, key: TestKey) {
  const response = await dpopLogin(server, key);
  expect(response.status).toBe(200);
  return (await response.json()) as { accessToken: string; refreshToken: string; tokenType: string };
}

async function dpopGet(server: AuthServer, key: TestKey, token: string, extra: Omitted = {}, scheme = 'DPoP') {
  const url = `${server.origin}/api/me`;
  const proof = await makeProof(key, { htm: 'GET', htu: url, accessToken: token, ...extra });
  return fetch(url, { headers: { authorization: `${scheme} ${token}`, dpop: proof } });
}

async function dpopRefresh(server: AuthServer, key: TestKey, refreshToken: string, extra: Omitted = {}) {
  const proof = await makeProof(key, { htm: 'POST', htu: `${server.origin}/auth/refresh`, ...extra });
  return postJson(server, '/auth/refresh', { refreshToken }, { dpop: proof });
}

describe('reference server: DPoP binding (RFC 9449 §5, §6, §7)', () => {
  it('computes the RFC 7638 §3.1 example thumbprint', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await thumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('binds a login with a proof: token type DPoP, cnf.jkt, the family remembers the key', async () => {
    const server = start();
    const key = await testKey();
    const body = await boundSession(server, key);
    expect(body.tokenType).toBe('DPoP');
    expect(claimsOf(body.accessToken)['cnf']).toEqual({ jkt: key.jkt });
    expect(server.dpop.boundKey(server.keys('ada')[0]?.jti ?? '')).toBe(key.jkt);
    expect(server.counters.dpopProofsAccepted).toBe(1);
    expect((await dpopGet(server, key, body.accessToken)).status).toBe(200);
  });

  it('leaves a login without a proof as Bearer, and refuses it when proofs are required', async () => {
    const plain = start();
    const unbound = (await (await postJson(plain, '/auth/login', { username: 'ada', password: 'lovelace' })).json()) as { tokenType: string; accessToken: string };
    expect(unbound.tokenType).toBe('Bearer');
    expect(claimsOf(unbound.accessToken)).not.toHaveProperty('cnf');
    const strict = start({ origin: 'http://strict.test', dpop: { required: true } });
    const refused = await postJson(strict, '/auth/login', { username: 'ada', password: 'lovelace' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    expect(strict.counters.dpopProofsRejected).toEqual({ missing: 1 });
  });

  it('refuses a bound access token presented as Bearer or with another key', async () => {
    const server = start();
    const key = await testKey();
    const other = await testKey();
    const { accessToken } = await boundSession(server, key);
    const asBearer = await fetch(`${server.origin}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const otherKey = await dpopGet(server, other, accessToken);
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    expect(server.counters.dpopProofsRejected).toEqual({ 'bearer-for-bound': 1, 'key-mismatch': 1 });
  });

  it('keeps the refresh token bound across rotation; no proof or another key is refused without spending it', async () => {
    const server = start();
    const key = await testKey();
    const other = await testKey();
    const { refreshToken } = await boundSession(server, key);
    expect((await postJson(server, '/auth/refresh', { refreshToken })).status).toBe(400);
    const wrong = await dpopRefresh(server, other, refreshToken);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    const rotated = await dpopRefresh(server, key, refreshToken);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { accessToken: string; refreshToken: string; tokenType: string };
    expect(next.tokenType).toBe('DPoP');
    expect(claimsOf(next.accessToken)['cnf']).toEqual({ jkt: key.jkt });
    expect((await dpopRefresh(server, other, next.refreshToken)).status).toBe(400);
    expect((await dpopRefresh(server, key, next.refreshToken)).status).toBe(200);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('binds the OAuth password grant and answers token_type DPoP', async () => {
    const server = start();
    const key = await testKey('EdDSA');
    const proof = await makeProof(key, { htm: 'POST', htu: `${server.origin}/oauth/token` });
    const response = await postForm(server, '/oauth/token', { grant_type: 'password', username: 'ada', password: 'lovelace', client_id: 'tokenflight' }, { dpop: proof });
    const body = (await response.json()) as { token_type: string; refresh_token: string };
    expect(body.token_type).toBe('DPoP');
    const refreshProof = await makeProof(key, { htm: 'POST', htu: `${server.origin}/oauth/token` });
    const refreshed = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'tokenflight' }, { dpop: refreshProof });
    expect(await refreshed.json()).toMatchObject({ token_type: 'DPoP' });
  });
});

describe('reference server: proof checks (RFC 9449 §4.3)', () => {
  it.each<[string, (key: TestKey, server: AuthServer) => Promise<Omitted>]>([
    ['typ', async () => ({ header: { typ: 'JWT' } })],
    ['alg', async () => ({ header: { alg: 'HS256' } })],
    ['alg', async () => ({ header: { alg: 'none' } })],
    ['jwk', async (key) => ({ header: { jwk: { ...key.publicJwk, d: 'AAAA' } } })],
    ['signature', async () => ({ header: { jwk: (await testKey()).publicJwk } })],
    ['htu', async (_key, server) => ({ htu: `${server.origin}/auth/refresh` })],
    ['htu', async () => ({ htu: 'http://elsewhere.test/auth/login' })],
    ['iat', async () => ({ iat: Math.floor(Date.now() / 1000) - 120 })],
    ['iat', async () => ({ iat: Math.floor(Date.now() / 1000) + 120 })],
    ['ath', async () => ({ accessToken: 'not-for-a-token-endpoint' })],
    ['claims', async () => ({ jti: 'short' })],
  ])('refuses a proof failing the %s check', async (reason, change) => {
    const server = start();
    const key = await testKey();
    const response = await dpopLogin(server, key, await change(key, server));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    expect(server.counters.dpopProofsRejected).toEqual({ [reason]: 1 });
    expect(server.counters.dpopProofsAccepted).toBe(0);
  });

  it('refuses a wrong htm, two DPoP headers and a replayed jti', async () => {
    const server = start();
    const key = await testKey();
    const url = `${server.origin}/auth/login`;
    const getProof = await makeProof(key, { htm: 'GET', htu: url });
    expect((await postJson(server, '/auth/login', { username: 'ada', password: 'lovelace' }, { dpop: getProof })).status).toBe(400);
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('dpop', await makeProof(key, { htm: 'POST', htu: url }));
    headers.append('dpop', await makeProof(key, { htm: 'POST', htu: url }));
    expect((await fetch(url, { method: 'POST', headers, body: '{"username":"ada","password":"lovelace"}' })).status).toBe(400);
    expect((await dpopLogin(server, key, { jti: 'the-same-jti-twice' })).status).toBe(200);
    expect((await dpopLogin(server, key, { jti: 'the-same-jti-twice' })).status).toBe(400);
    expect(server.counters.dpopProofsRejected).toEqual({ htm: 1, header: 1, 'jti-replay': 1 });
    expect(server.counters.dpopJtiReplays).toBe(1);
  });

  it('ignores the query of the request when matching htu, and checks iat on its own clock', async () => {
    useFakeClock();
    const server = start();
    const key = await testKey();
    const { accessToken } = await boundSession(server, key);
    const url = `${server.origin}/api/items/7?view=full`;
    const proof = await makeProof(key, { htm: 'GET', htu: `${server.origin}/api/items/7`, accessToken });
    expect((await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } })).status).toBe(200);
    server.setClockOffset(90_000);
    expect((await dpopGet(server, key, accessToken)).status).toBe(401);
    expect(server.counters.dpopProofsRejected).toEqual({ iat: 1 });
    vi.useRealTimers();
  });

  it('requires ath at the resource server and a proof with the DPoP scheme', async () => {
    const server = start();
    const key = await testKey();
    const { accessToken } = await boundSession(server, key);
    const noAth = await dpopGet(server, key, accessToken, { accessToken: `${accessToken}x` });
    expect(noAth.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const noProof = await fetch(`${server.origin}/api/me`, { headers: { authorization: `DPoP ${accessToken}` } });
    expect(noProof.status).toBe(401);
    expect(server.counters.dpopProofsRejected).toEqual({ ath: 1, missing: 1 });
  });
});

describe('reference server: DPoP nonces and faults (RFC 9449 §8, §9)', () => {
  it('challenges a token request without the nonce, names it, and accepts it once sent', async () => {
    const server = start({ dpop: { nonce: 'as' } });
    const key = await testKey();
    const challenged = await dpopLogin(server, key);
    expect(challenged.status).toBe(400);
    expect(await challenged.json()).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = challenged.headers.get('dpop-nonce') ?? '';
    expect(nonce).not.toBe('');
    const accepted = await dpopLogin(server, key, { nonce });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('dpop-nonce')).toBe(nonce);
    expect(server.counters.dpopNonceChallenges).toBe(1);
  });

  it('challenges at the resource server with WWW-Authenticate and rotates every N proofs', async () => {
    const server = start({ dpop: { nonce: true, rotateNonceEvery: 2 } });
    const key = await testKey();
    const first = await dpopLogin(server, key);
    const nonce = first.headers.get('dpop-nonce') ?? '';
    const login = await dpopLogin(server, key, { nonce });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const afterLogin = login.headers.get('dpop-nonce') ?? '';
    expect(afterLogin).toBe(nonce);
    const challenged = await dpopGet(server, key, accessToken);
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
    const ok = await dpopGet(server, key, accessToken, { nonce });
    expect(ok.status).toBe(200);
    const rotated = ok.headers.get('dpop-nonce') ?? '';
    expect(rotated).not.toBe(nonce);
    expect((await dpopGet(server, key, accessToken, { nonce })).status).toBe(401);
    expect((await dpopGet(server, key, accessToken, { nonce: rotated })).status).toBe(200);
    expect(server.counters.dpopNonceChallenges).toBe(3);
  });

  it('requires a nonce, rotates it and rejects the next proof on demand', async () => {
    const server = start();
    const key = await testKey();
    server.dpop.rejectNextProof();
    const rejected = await dpopLogin(server, key);
    expect(await rejected.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    expect(server.counters.dpopProofsRejected).toEqual({ injected: 1 });
    server.dpop.requireNonce('as');
    const challenged = await dpopLogin(server, key);
    const nonce = challenged.headers.get('dpop-nonce') ?? '';
    server.dpop.rotateNonce();
    expect((await dpopLogin(server, key, { nonce })).status).toBe(400);
    server.dpop.requireNonce(false);
    expect((await dpopLogin(server, key)).status).toBe(200);
  });

  it('lets browsers send DPoP and read DPoP-Nonce across origins', async () => {
    const server = start({ dpop: { nonce: 'rs' } });
    const preflight = await fetch(`${server.origin}/api/me`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-headers': 'authorization, dpop' },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toContain('dpop');
    const answer = await fetch(`${server.origin}/api/me`, { headers: { origin: 'http://app.test' } });
    expect(answer.headers.get('access-control-expose-headers')).toContain('dpop-nonce');
    expect(answer.headers.get('dpop-nonce')).not.toBeNull();
  });
});
