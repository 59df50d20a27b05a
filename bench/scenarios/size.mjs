// size: min+gzip (esbuild minify, browser platform, ESM; gzip level 9 as size-limit does) of each
// entry's own code (its npm dependencies left external) and with its dependencies bundled.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TF_DEPS = ['ky', 'jwt-decode', 'mitt'];

export const ENTRIES = [
  { name: 'tokenflight', label: 'tokenflight (every export)', source: "export * from './dist/index.js';", deps: TF_DEPS },
  { name: 'tokenflight-client', label: 'tokenflight (createAuthClient only)', source: "export { createAuthClient } from './dist/index.js';", deps: TF_DEPS },
  // ky has no dependencies: its own code is all of it.
  { name: 'raw-ky', label: 'ky (no auth logic)', source: "export { default } from 'ky';", deps: [] },
  { name: 'ky-single-flight', label: 'ky + hand-written single-flight', source: "export * from './bench/clients/ky-single-flight.mjs';", deps: ['ky'] },
  { name: 'ky-readme', label: 'ky + README recipe', source: "export * from './bench/clients/ky-readme.mjs';", deps: ['ky'] },
  // Own code: axios-auth-refresh; with dependencies: axios too (its browser build).
  { name: 'axios-auth-refresh', label: 'axios + axios-auth-refresh', source: "export { default as axios } from 'axios';\nexport { createAuthRefresh } from 'axios-auth-refresh';", deps: ['axios'] },
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
