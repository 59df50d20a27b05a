// DPoP on React Native / Hermes (no WebCrypto): an adapter over a native crypto module (README: DPoP).
import { createAuthClient, dpop, type DpopKeySource, type PublicJwk } from 'tokenflight';

/** What a native module (Secure Enclave / Android Keystore backed) typically offers. */
interface NativeEcKeys {
  /** Creates the P-256 key `alias` in the hardware store unless it exists; returns its public JWK. */
  ensureKey(alias: string): Promise<PublicJwk>;
  /** ES256 signature of `data` as the 64-byte r||s form, both base64url. */
  sign(alias: string, data: string): Promise<string>;
  deleteKey(alias: string): Promise<void>;
  sha256(data: string): Promise<string>;
  randomBytes(size: number): Promise<string>;
}
declare const NativeEcKeys: NativeEcKeys;
declare const toBase64Url: (bytes: Uint8Array) => string;
declare const fromBase64Url: (text: string) => Uint8Array;
declare const randomPool: { take(size: number): Uint8Array };

const nativeKeys: DpopKeySource = {
  async load(name) {
    const jwk = await NativeEcKeys.ensureKey(name);
    return { alg: 'ES256', jwk, sign: async (data) => fromBase64Url(await NativeEcKeys.sign(name, toBase64Url(data))) };
  },
  remove: (name) => NativeEcKeys.deleteKey(name),
};

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'mobile',
  dpop: dpop({
    keys: nativeKeys,
    sha256: async (data) => fromBase64Url(await NativeEcKeys.sha256(toBase64Url(data))),
    randomBytes: (size) => randomPool.take(size), // e.g. react-native-get-random-values, or a pool filled from NativeEcKeys.randomBytes
  }),
});
