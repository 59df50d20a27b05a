import type { StorageAdapter } from './types';

/** expo-secure-store's async API (structural). */
export interface SecureStoreLike {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

const HEADER = 'chunks:';
const MAX_CHUNKS = 256;
const SAFE_KEY = /^[\w.-]+$/;

const parseHeader = (header: string | null): { n: number; sum: string | undefined } => {
  const m = header === null ? null : /^chunks:(\d{1,3})(?::([0-9a-f]{8}))?$/.exec(header);
  return m ? { n: Number(m[1]), sum: m[2] } : { n: 0, sum: undefined };
};
const chunkCount = (header: string | null): number => parseHeader(header).n;

/** FNV-1a of the whole value: chunks are rewritten in place, so a write cut short must not read back torn. */
const checksum = (value: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
};

/**
 * Secure store adapter. A value longer than `maxValueBytes` (UTF-8, default 2048: expo-secure-store's
 * limit; at least 32) is split into `${key}.1..n` with the header `chunks:n:<checksum>` under `${key}`.
 */
export function secureStorage(store: SecureStoreLike, opts: { maxValueBytes?: number } = {}): StorageAdapter {
  const max = opts.maxValueBytes ?? 2048;
  // A chunk must hold at least one character of any width (4 bytes, plus room for a surrogate pair split) and the header.
  if (!Number.isSafeInteger(max) || max < 32) throw new RangeError('`maxValueBytes` must be an integer of at least 32.');
  const check = (key: string): string => {
    if (!SAFE_KEY.test(key)) throw new TypeError(`Invalid secure storage key "${key}"`);
    return key;
  };
  const dropChunks = async (key: string, from: number, to: number): Promise<void> => {
    for (let i = from; i <= to; i++) await store.deleteItemAsync(`${key}.${i}`);
  };
  return {
    async getItem(key) {
      const head = await store.getItemAsync(check(key));
      const { n, sum } = parseHeader(head);
      if (!n) return head === null || head.startsWith(HEADER) ? null : head;
      const parts = await Promise.all(Array.from({ length: n }, (_, i) => store.getItemAsync(`${key}.${i + 1}`)));
      if (parts.includes(null)) return null;
      const value = parts.join('');
      return sum === undefined || sum === checksum(value) ? value : null;
    },
    async setItem(key, value) {
      const old = chunkCount(await store.getItemAsync(check(key)));
      // Worst case 3 UTF-8 bytes per UTF-16 unit; ASCII is 1.
      const size = /^[\x00-\x7f]*$/.test(value) ? max : Math.floor(max / 3);
      const chunks: string[] = [];
      if (value.length > size || value.startsWith(HEADER)) {
        for (let i = 0; i < value.length; ) {
          let end = i + size;
          const last = value.charCodeAt(end - 1);
          if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--; // keep surrogate pairs whole
          chunks.push(value.slice(i, end));
          i = end;
        }
        if (chunks.length > MAX_CHUNKS) throw new RangeError('Value too large for secure storage');
        for (const [i, chunk] of chunks.entries()) await store.setItemAsync(`${key}.${i + 1}`, chunk);
      }
      await store.setItemAsync(key, chunks.length ? `${HEADER}${chunks.length}:${checksum(value)}` : value);
      await dropChunks(key, chunks.length + 1, old);
    },
    async removeItem(key) {
      const old = chunkCount(await store.getItemAsync(check(key)));
      await store.deleteItemAsync(key);
      await dropChunks(key, 1, old);
    },
  };
}
