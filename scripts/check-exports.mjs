// Loads every public entry of the built package through its exports map, as ESM and as CJS.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const entries = {
  tokenflight: ['createAuthClient', 'memoryStorage', 'ErrorCode'],
  'tokenflight/testing': ['createAuthServer', 'leeway'],
  'tokenflight/react': ['AuthProvider', 'useAuth', 'useSession', 'useAuthEvent'],
  'tokenflight/react-native': ['createAuthClient', 'createNativeAuthClient', 'installPolyfills', 'asyncStorage', 'secureStorage', 'keychainStore', 'splitStorage', 'reactNativeLifecycle', 'ErrorCode'],
};
let failed = false;
for (const [entry, names] of Object.entries(entries)) {
  const esm = await import(entry);
  const cjs = require(entry);
  for (const name of names) {
    for (const [kind, mod] of [['esm', esm], ['cjs', cjs]]) {
      if (typeof mod[name] === 'undefined') {
        console.error(`${entry} (${kind}) does not export ${name}`);
        failed = true;
      }
    }
  }
}
if (failed) process.exit(1);
console.log('exports ok: ESM and CJS for', Object.keys(entries).join(', '));
