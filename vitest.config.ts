import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Examples imported by tests say `tokenflight`: run them against the sources, not a stale dist/.
  resolve: {
    alias: [
      { find: /^tokenflight$/, replacement: src('index.ts') },
      { find: /^tokenflight\/(testing|react|react-native)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    environment: 'node',
    testTimeout: 20_000,
    // Fake timers drive the clock while mocked responses and WebCrypto run on real time; on a loaded CI
    // machine that race can lose once. A test that fails twice in a row is a real failure.
    retry: process.env['CI'] ? 2 : 0,
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'] },
      },
      {
        // Real Chromium (test/browser): runs after the node project, so neither slows the other down.
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
