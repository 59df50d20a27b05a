import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../src/testing');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('module safety', () => {
  it('never imports a Node built-in statically, so the module loads in a browser or service worker', () => {
    for (const file of sources(ROOT)) {
      const text = readFileSync(file, 'utf8');
      const staticNodeImports = [...text.matchAll(/^import\s+(?!type\b)[^;]*from\s+['"]node:/gm)];
      expect(staticNodeImports, file).toEqual([]);
    }
  });

  it('loads node:http only inside listen()', () => {
    const server = readFileSync(join(ROOT, 'server.ts'), 'utf8');
    expect(server).toMatch(/await import\('\.\/node-face'\)/);
    expect(server).not.toMatch(/^import [^;]*'\.\/node-face'/m);
    expect(readFileSync(join(ROOT, 'node-face.ts'), 'utf8')).toMatch(/await import\('node:http'\)/);
  });
});
