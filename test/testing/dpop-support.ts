import { webcrypto } from 'node:crypto';

/** A proof signer for server tests: it can also build the malformed proofs no client would send. */
export interface TestKey {
  readonly alg: string;
  readonly publicJwk: Record<string, unknown>;
  readonly privateKey: CryptoKey;
  readonly jkt: string;
}

const PARAMS: Record<string, { generate: RsaHashedKeyGenParams | EcKeyGenParams | AlgorithmIdentifier; sign: AlgorithmIdentifier | EcdsaParams | RsaPssParams }> = {
  ES256: { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  RS256: {
    generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  EdDSA: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

const b64u = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('base64url');
const json64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function sha256b64u(text: string): Promise<string> {
  return b64u(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** RFC 7638 thumbprint, computed independently of the server's code. */
export async function jktOf(jwk: Record<string, unknown>): Promise<string> {
  const members = jwk['kty'] === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk['kty'] === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x'];
  return sha256b64u(JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]]))));
}

export async function testKey(alg = 'ES256'): Promise<TestKey> {
  const params = PARAMS[alg];
  if (params === undefined) throw new Error(alg);
  const pair = (await webcrypto.subtle.generateKey(params.generate, true, ['sign', 'verify'])) as CryptoKeyPair;
  const full = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk = Object.fromEntries(Object.entries(full).filter(([k]) => ['kty', 'crv', 'x', 'y', 'n', 'e'].includes(k)));
  return { alg, publicJwk, privateKey: pair.privateKey, jkt: await jktOf(publicJwk) };
}

export interface ProofInput {
  htm: string;
  htu: string;
  nonce?: string;
  accessToken?: string;
  /** Epoch seconds; default now. */
  iat?: number;
  jti?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

export async function makeProof(key: TestKey, input: ProofInput): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...input.header };
  const payload = {
    jti: input.jti ?? webcrypto.randomUUID(),
    htm: input.htm,
    htu: input.htu,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...(input.accessToken === undefined ? {} : { ath: await sha256b64u(input.accessToken) }),
    ...input.claims,
  };
  const signingInput = `${json64(header)}.${json64(payload)}`;
  const sign = PARAMS[key.alg]?.sign ?? { name: 'ECDSA' };
  const signature = await webcrypto.subtle.sign(sign, key.privateKey, new TextEncoder().encode(signingInput));
  return `${signingInput}.${b64u(signature)}`;
}
