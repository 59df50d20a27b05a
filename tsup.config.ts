import { dirname, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const src = (path: string) => resolve('src', path);

/**
 * The React and React Native entries load the core as the package itself (`tokenflight`), so an app
 * importing several entries gets one copy of the core, its errors and its types. The React Native
 * polyfills stay a file of their own, imported first, so they run before ky loads.
 */
const entryImports: Plugin = {
  name: 'tokenflight-entry-imports',
  setup(build) {
    const cjs = build.initialOptions.format === 'cjs' || build.initialOptions.outExtension?.['.js'] === '.cjs';
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const dir = dirname(args.importer);
      if (dir !== src('react') && dir !== src('react-native')) return undefined;
      const target = resolve(dir, args.path);
      if (target === src('index')) return { path: 'tokenflight', external: true };
      if (target === src('react-native/polyfills') && args.importer !== src('react-native/polyfills.ts')) {
        return { path: cjs ? './polyfills.cjs' : './polyfills.js', external: true };
      }
      return undefined;
    });
  },
};

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'react/index': 'src/react/index.ts',
    'react-native/index': 'src/react-native/index.ts',
    'react-native/polyfills': 'src/react-native/polyfills.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  external: ['ky', 'jwt-decode', 'mitt', 'msw', 'node:http', 'node:crypto', 'react', 'tokenflight'],
  esbuildPlugins: [entryImports],
});
