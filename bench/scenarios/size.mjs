// size: min+gzip (esbuild minify, browser platform, ESM; gzip level 9 as size-limit does) of each
// entry's own code (its npm dependencies left external) and with its dependencies bundled.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TF_DEPS = ['ky', 'jwt-decode', 'mitt'];

/** A tokenflight scenario: what an app imports from the main entry (the built package, dist/). */
const tokenflight = (name, label, imports) => ({ name, label, imports, source: imports === '*' ? "export * from './dist/index.js';" : `export ${imports} from './dist/index.js';`, deps: TF_DEPS });

export const ENTRIES = [
  tokenflight('tokenflight', 'tokenflight: the whole main entry', '*'),
  tokenflight('tokenflight-browser', 'tokenflight: a browser client (sessions in localStorage, shared by tabs)', '{ createAuthClient, webStorage }'),
  tokenflight('tokenflight-client', 'tokenflight: a memory-only JSON client (the Node quick start)', '{ createAuthClient }'),
  tokenflight('tokenflight-code-flow', 'tokenflight: a browser client + the code flow with PKCE', '{ createAuthClient, webStorage, codeFlow }'),
  tokenflight('tokenflight-dpop', 'tokenflight: a browser client + DPoP', '{ createAuthClient, webStorage, dpop }'),
  // ky has no dependencies: its own code is all of it.
  { name: 'raw-ky', label: 'ky (no auth logic)', source: "export { default } from 'ky';", deps: [] },
  { name: 'ky-single-flight', label: 'ky + hand-written single-flight', source: "export * from './bench/clients/ky-single-flight.mjs';", deps: ['ky'] },
  { name: 'ky-readme', label: 'ky + README recipe', source: "export * from './bench/clients/ky-readme.mjs';", deps: ['ky'] },
  // Own code: axios-auth-refresh; with dependencies: axios too (its browser build).
  { name: 'axios-auth-refresh', label: 'axios + axios-auth-refresh', source: "export { default as axios } from 'axios';\nexport { createAuthRefresh } from 'axios-auth-refresh';", deps: ['axios'] },
];

/**
 * Other auth clients' own code (min+gzip -9 of the main entry, esbuild), in kB of 1,000 bytes, as
 * quoted from an earlier side-by-side measurement: beside tokenflight's rows, not re-measured by the bench.
 */
export const ANCHORS = [
  { name: 'oidc-client-ts', kB: 17.6, note: '18.0 kB with its dependencies' },
  { name: '@supabase/auth-js', kB: 26.0 },
  { name: '@okta/okta-auth-js (core)', kB: 26.5 },
  { name: '@auth0/auth0-spa-js 2.28', kB: 65.1, note: '19.4 kB for 2.11' },
  { name: '@atproto/oauth-client', kB: 9.6 },
  { name: 'oauth4webapi', kB: 14.5 },
  { name: 'openid-client', kB: 7.8 },
  { name: 'axios-auth-refresh', kB: 0.9, note: 'drops in-flight requests' },
];

async function minGzip(source, external) {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/** Version of an installed package (node_modules/<name>/package.json). */
export function packageVersion(name) {
  const path = name === 'tokenflight' ? `${ROOT}package.json` : `${ROOT}node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(path, 'utf8')).version;
}

export async function size(log) {
  const rows = [];
  for (const entry of ENTRIES) {
    const own = await minGzip(entry.source, entry.deps);
    const all = await minGzip(entry.source, []);
    rows.push({
      scenario: 'size',
      client: entry.name,
      label: entry.label,
      ...(entry.imports === undefined ? {} : { imports: entry.imports }),
      ownMinBytes: own.minified,
      ownGzipBytes: own.gzip,
      withDepsMinBytes: all.minified,
      withDepsGzipBytes: all.gzip,
      deps: entry.deps,
    });
    log(rows.at(-1));
  }
  return rows;
}
