// Every TypeScript block in the given Markdown files must be copied from a file CI type-checks (or be
// a recipe that test/dialects/recipes.test.ts runs verbatim):
// the line above its fence names that file (`<!-- snippet: examples/... -->`) and the block appears in it verbatim.
import { readFileSync } from 'node:fs';

const fence = /^```(ts|tsx|typescript)\s*$/;
let problems = 0;
let checked = 0;
for (const doc of process.argv.slice(2)) {
  const lines = readFileSync(doc, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!fence.test(lines[i])) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    const block = lines.slice(i + 1, end).join('\n');
    const source = /^<!--\s*snippet:\s*(\S+)\s*-->$/.exec(lines[i - 1] ?? '')?.[1];
    checked++;
    // `<!-- recipe:name -->` blocks are the code of test/dialects/recipes.test.ts, verified there.
    if (source === undefined && /^<!--\s*recipe:[\w-]+\s*-->$/.test(lines[i - 1] ?? '')) {
      i = end;
      continue;
    }
    if (source === undefined) {
      console.error(`${doc}:${i + 1}: code block without a <!-- snippet: path --> line above it`);
      problems++;
    } else if (!readFileSync(source, 'utf8').includes(block)) {
      console.error(`${doc}:${i + 1}: code block differs from ${source}`);
      problems++;
    }
    i = end;
  }
}
if (problems > 0) process.exit(1);
console.log(`snippets ok: ${checked} code blocks match their type-checked sources`);
