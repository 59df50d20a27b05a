import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, webStorage } from '../../src';

const area = () => {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
};

describe('which stores other tabs see', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sessionStorage and memory are per tab (no cross-tab lock or broadcast by default); localStorage is shared', () => {
    const session = area();
    const local = area();
    vi.stubGlobal('sessionStorage', session);
    vi.stubGlobal('localStorage', local);
    expect(webStorage(session).shared).toBe(false);
    expect(webStorage(local).shared).toBe(true);
    expect(memoryStorage().shared).toBe(false);
  });
});
