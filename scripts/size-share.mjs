// Own-code size of a scenario by module: minified bytes, share of the minified bundle, and the gzip bytes a
// module costs at the margin (gzip of the whole bundle minus gzip of the bundle with that module's output cut
// out, attributed through the source map). Usage: node scripts/size-share.mjs '{ createAuthClient }' [--md]
import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';

const imports = process.argv[2] ?? '{ createAuthClient }';
const markdown = process.argv.includes('--md');
const r = await esbuild.build({
  stdin: { contents: `export ${imports} from './src/index.ts';`, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'entry.ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  metafile: true,
  sourcemap: 'external',
  outfile: 'out.js',
  external: ['ky', 'mitt', 'jwt-decode'],
  platform: 'neutral',
});
const code = r.outputFiles.find((f) => f.path.endsWith('.js')).text;
const map = JSON.parse(r.outputFiles.find((f) => f.path.endsWith('.map')).text);
const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;

// Decode the VLQ mappings: for every generated segment, its source index.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const owner = new Int32Array(code.length).fill(-1);
const lines = code.split('\n');
let offset = 0;
let source = 0;
map.mappings.split(';').forEach((line, li) => {
  const segments = [];
  let column = 0;
  for (const seg of line.split(',')) {
    if (seg === '') continue;
    const values = [];
    let value = 0;
    let shift = 0;
    for (const ch of seg) {
      const digit = B64.indexOf(ch);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >> 1) : value >> 1);
        value = 0;
        shift = 0;
      }
    }
    column += values[0];
    if (values.length > 1) source += values[1];
    segments.push([column, values.length > 1 ? source : -1]);
  }
  const length = (lines[li] ?? '').length;
  segments.forEach(([start, src], i) => owner.fill(src, offset + start, offset + (segments[i + 1]?.[0] ?? length)));
  offset += length + 1;
});

const total = gzip(code);
const inputs = Object.entries(Object.entries(r.metafile.outputs).find(([path]) => path.endsWith('.js'))[1].inputs)
  .map(([path, v]) => ({ path, min: v.bytesInOutput }))
  .filter((row) => row.min > 0)
  .sort((a, b) => b.min - a.min);
const sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, '').replace(/^.*?src\//, 'src/'));
for (const row of inputs) {
  const index = sources.indexOf(row.path);
  let rest = '';
  for (let i = 0; i < code.length; i++) if (owner[i] !== index) rest += code[i];
  row.marginal = total - gzip(rest);
}
const width = Math.max(...inputs.map((row) => row.path.length));
if (markdown) {
  console.log(`| module | min (B) | share of min | gzip it costs (B) |\n|---|---:|---:|---:|`);
  for (const row of inputs) console.log(`| ${row.path.replace(/^src\//, '')} | ${row.min} | ${((100 * row.min) / code.length).toFixed(1)} % | ${row.marginal} |`);
  console.log(`| **total** | **${code.length}** | 100 % | **${total}** |`);
} else {
  console.log(`total min ${code.length} gzip ${total}`);
  for (const row of inputs) console.log(`${row.path.padEnd(width)} ${String(row.min).padStart(6)} ${String(row.marginal).padStart(6)}`);
}
