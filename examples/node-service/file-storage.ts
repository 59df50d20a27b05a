import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageAdapter } from 'tokenflight';

/**
 * Keeps each key in `<dir>/<key>.json`, readable by this user only, replaced atomically. A service
 * must persist its session: refresh keys rotate, and restarting from the original key after a
 * rotation looks like token theft to the server (reuse detection revokes the whole family).
 */
export function fileStorage(dir: string): StorageAdapter {
  const file = (key: string) => {
    if (!/^[\w.-]+$/.test(key)) throw new TypeError(`Unsupported storage key "${key}"`);
    return join(dir, `${key}.json`);
  };
  return {
    async getItem(key) {
      try {
        return await readFile(file(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async setItem(key, value) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temporary = `${file(key)}.${process.pid}.tmp`;
      await writeFile(temporary, value, { mode: 0o600 });
      await rename(temporary, file(key));
    },
    async removeItem(key) {
      await rm(file(key), { force: true });
    },
  };
}
