import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

// `tokenflight` resolves to the repository's sources; the MSW worker script is shared with the browser example.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: fileURLToPath(new URL('../browser/public', import.meta.url)),
  resolve: {
    alias: [
      { find: /^tokenflight$/, replacement: src('index.ts') },
      { find: /^tokenflight\/(testing|react)$/, replacement: src('$1/index.ts') },
    ],
  },
  // node:http is only reached by the reference server's listen(), which a page never calls.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048, rolldownOptions: { external: ['node:http'] } },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
