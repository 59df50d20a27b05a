import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());

// The README's Quick start, run as is: what it prints is what its comments say. (CI also runs the file
// with plain Node against the built package: `npm run example:quick-start`, which must exit on its own.)
it('the Quick start runs against the reference server and prints what its comments promise', async () => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  await import('./quick-start.ts');
  expect(lines).toEqual([
    'ada authenticated',
    'new tokens, generation 2',
    'ada 1',
    'revoked: true unauthenticated',
  ]);
});
