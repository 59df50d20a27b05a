// React Native check without a device (run after `npm run build`):
// 1. bundles dist/react-native (the published entry) with esbuild for a neutral platform: no Node built-ins;
// 2. compiles the bundle with hermesc -emit-binary, the syntax check of an RN release build;
// 3. runs the same bundle in a bare node:vm context holding only what React Native provides (fetch without
//    streams, AbortController WITHOUT throwIfAborted/timeout/any, URL, timers, atob/btoa, the AsyncStorage
//    in-memory mock) through a full session against the reference server over loopback HTTP.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { build } from 'esbuild';
import AsyncStorage from '@react-native-async-storage/async-storage/jest';
import { createAuthServer } from '../dist/testing/index.js';
import { forbiddenReads, rnGlobals } from './rn-globals.mjs';

const OUT = 'artifacts/rn';
const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
};
const deadline = setTimeout(() => {
  console.error('rn-check: timed out after 60 s');
  process.exit(1);
}, 60_000);
deadline.unref();

if (!existsSync('dist/react-native/index.js')) {
  console.error('rn-check: dist/react-native is missing; run `npm run build` first.');
  process.exit(1);
}

// 1. Bundle
mkdirSync(OUT, { recursive: true });
const bundlePath = join(OUT, 'tokenflight-rn.js');
await build({
  entryPoints: ['dist/react-native/index.js'],
  bundle: true,
  platform: 'neutral',
  format: 'iife',
  globalName: 'tokenflight',
  target: 'es2022',
  mainFields: ['react-native', 'module', 'main'],
  conditions: ['react-native'],
  alias: { tokenflight: './dist/index.js' },
  outfile: bundlePath,
  logLevel: 'warning',
});
const code = readFileSync(bundlePath, 'utf8');
check('esbuild bundle (platform neutral, no Node built-ins)', true, `${(code.length / 1024).toFixed(0)} KiB`);

// 2. Hermes
const hermesc = join(dirname(createRequire(import.meta.url).resolve('hermes-compiler/package.json')), 'hermesc/linux64-bin/hermesc');
try {
  execFileSync(hermesc, ['-emit-binary', '-out', join(OUT, 'tokenflight-rn.hbc'), bundlePath], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  check('hermesc -emit-binary', true);
} catch (error) {
  check('hermesc -emit-binary', false, String(error.stderr ?? error.message).split('\n').find((line) => line.includes('error')) ?? 'failed');
}

// 3. Bare context
const env = rnGlobals();
const context = vm.createContext(env.sandbox, { name: 'react-native-like', codeGeneration: { strings: false, wasm: false } });
env.bind(context);
try {
  vm.runInContext(code, context, { filename: bundlePath, timeout: 5_000 });
  check('bundle loads in the bare context', typeof context.tokenflight?.createNativeAuthClient === 'function');
} catch (error) {
  check('bundle loads in the bare context', false, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exit(1);
}
const TF = context.tokenflight;
const installed = vm.runInContext(
  `[typeof AbortSignal.prototype.throwIfAborted, typeof AbortSignal.timeout, typeof AbortSignal.any, typeof TextEncoder].join()`,
  context,
);
check('polyfills installed at import', installed === 'function,function,function,function', installed);

const server = createAuthServer({ accessTokenTtl: 60 });
const listening = await server.listen();
const events = [];
let skew = 0;
const appListeners = new Set();
const AppState = {
  currentState: 'active',
  addEventListener: (_type, fn) => (appListeners.add(fn), { remove: () => appListeners.delete(fn) }),
};
const moveTo = (state) => {
  AppState.currentState = state;
  for (const fn of [...appListeners]) fn(state);
};
const NetInfo = { addEventListener: () => () => undefined };
const clock = { now: () => Date.now() + skew, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) };
const makeClient = () => {
  const auth = TF.createNativeAuthClient({ baseUrl: `${listening.url}/`, AppState, NetInfo, storage: TF.asyncStorage(AsyncStorage), clock });
  for (const type of ['session:start', 'session:refresh', 'session:refresh-failed', 'session:end', 'session:error']) {
    auth.on(type, (payload) => events.push({ type, payload }));
  }
  return auth;
};
const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);
const seenTokens = new Set();

try {
  let auth = makeClient();
  await auth.ready;
  check('starts signed out', auth.session.status === 'unauthenticated');

  await auth.login({ username: 'ada', password: 'lovelace' });
  seenTokens.add(await auth.getAccessToken());
  const stored = await AsyncStorage.getItem('tokenflight.session');
  check('login', auth.session.status === 'authenticated' && auth.session.generation === 1 && stored !== null);

  const controllersBefore = env.controllersCreated();
  const me = await auth.http.get('api/me').json();
  check('authenticated request', me.username === 'ada');
  check('ky uses managed abort signals (polyfills ran before ky loaded)', env.controllersCreated() > controllersBefore);

  skew = 61_000; // the device clock says the access token has expired
  server.resetCounters();
  const item = await auth.http.get('api/items/7').json();
  seenTokens.add(await auth.getAccessToken());
  const c1 = server.counters;
  check('expiry: refreshed before the request', item.id === '7' && c1.refreshCalls === 1 && c1.unauthorized === 0, `refreshCalls=${c1.refreshCalls} 401s=${c1.unauthorized}`);

  server.expireAccessTokens(); // the server rejects the token early: 401, refresh, replay with the body
  server.resetCounters();
  const echoed = await auth.http.post('api/echo', { json: { replay: 'me' } }).json();
  seenTokens.add(await auth.getAccessToken());
  const c2 = server.counters;
  check('401: refreshed and replayed once with the body', echoed.replay === 'me' && c2.refreshCalls === 1 && c2.unauthorized === 1, `refreshCalls=${c2.refreshCalls} 401s=${c2.unauthorized}`);

  moveTo('background');
  skew += 3_600_000;
  const resumed = new Promise((resolve) => auth.on('session:refresh', resolve));
  moveTo('active');
  await within(resumed, 5_000, 'refresh on resume');
  seenTokens.add(await auth.getAccessToken());
  check('AppState: refreshed on return to the foreground', auth.session.generation === 4, `generation ${auth.session.generation}`);

  auth.dispose();
  auth = makeClient();
  await auth.ready;
  const restored = events.filter((e) => e.type === 'session:start').at(-1)?.payload.source;
  check('app restart: session restored from AsyncStorage', auth.session.status === 'authenticated' && restored === 'storage');
  check('restored session works', (await auth.http.get('api/me').json()).username === 'ada');

  const { revocation } = await auth.logout();
  const revoked = await within(revocation, 5_000, 'revocation');
  check('logout: signed out, storage cleared, revoked at the server', auth.session.status === 'unauthenticated' && (await AsyncStorage.getItem('tokenflight.session')) === null && revoked === true);
  auth.dispose();

  const ends = events.filter((e) => e.type === 'session:end');
  check('exactly one session:end', ends.length === 1 && ends[0].payload.reason === 'logout');
  const text = JSON.stringify(events);
  check('no token in any event', [...seenTokens].every((token) => token && !text.includes(token)));
  const forbidden = env.reads().filter((name) => forbiddenReads.has(name));
  check('no window, document or Web Storage read', forbidden.length === 0, forbidden.join(', '));
  console.log(`     absent globals feature-detected along the way: ${env.reads().filter((name) => !forbiddenReads.has(name)).join(', ') || 'none'}`);
} catch (error) {
  check('session run', false, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
} finally {
  await listening.close();
}

const failed = results.filter((ok) => !ok).length;
console.log(failed === 0 ? `rn-check: all ${results.length} checks passed` : `rn-check: ${failed} of ${results.length} checks failed`);
process.exit(failed === 0 ? 0 : 1);
