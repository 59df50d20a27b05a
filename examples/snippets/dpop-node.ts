// DPoP in Node: WebCrypto keys in memory, or in a store you pass (README: DPoP).
import { createAuthClient, dpop, memoryKeyStore, pickAlgorithm, webCryptoKeys } from 'tokenflight';

// The server's metadata says which algorithms it accepts: ES256 first, then EdDSA, then RS256.
const alg = pickAlgorithm(['RS256', 'ES256']);
const keys = webCryptoKeys({ alg, store: memoryKeyStore() });

const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'reports-service',
  dpop: dpop({ keys }),
});
await auth.login({ username: 'reports', password: process.env['REPORTS_PASSWORD'] ?? '' });
