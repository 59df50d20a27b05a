import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

// Runs the documentation's test snippet against the repository's sources.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    alias: [
      { find: /^tokenflight$/, replacement: src('index.ts') },
      { find: /^tokenflight\/(testing|react|react-native)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: { include: ['examples/snippets/*.test.ts'], environment: 'node', testTimeout: 20_000 },
});
