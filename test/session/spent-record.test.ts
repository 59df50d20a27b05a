import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src';
import { createPersistence } from '../../src/session/persistence';

const KEY = 'tokenflight.session';
const entry = (i: number) => `${i.toString(16).padStart(8, '0')}:sid-${i}`;

describe('the spent-token record beside the session (`<storageKey>:spent`)', () => {
  it('keeps the last 8 entries, each once, in a sibling key', async () => {
    const storage = memoryStorage();
    const persistence = createPersistence(storage, KEY);
    expect(await persistence.spent()).toEqual([]);
    for (let i = 0; i < 10; i++) await persistence.addSpent(entry(i));
    await persistence.addSpent(entry(9));
    expect(await persistence.spent()).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map(entry));
    expect(await storage.getItem(KEY)).toBeNull();
  });

  it.each([
    ['a token-looking value', 'eyJhbGciOi.secret.sig'],
    ['an upper-case fingerprint', '89ABCDEF:sid-1'],
    ['a fingerprint of the wrong length', '89abcdef0:sid-1'],
    ['a session id with other characters', '89abcdef:sid/1'],
    ['a session id over 64 characters', `89abcdef:${'s'.repeat(65)}`],
    ['an oversized value', Array.from({ length: 100 }, (_, i) => entry(i)).join(' ')],
  ])('believes no entry of a tampered record: %s', async (_, raw) => {
    const storage = memoryStorage();
    await storage.setItem(`${KEY}:spent`, raw);
    expect(await createPersistence(storage, KEY).spent()).toEqual([]);
  });

  it('keeps the valid entries of a partly invalid record; an unreadable store holds none', async () => {
    const storage = memoryStorage();
    await storage.setItem(`${KEY}:spent`, `junk ${entry(1)} ${entry(2)}/ ${entry(3)}`);
    expect(await createPersistence(storage, KEY).spent()).toEqual([entry(1), entry(3)]);
    const broken = { ...memoryStorage(), getItem: () => Promise.reject(new Error('unreadable')) };
    expect(await createPersistence(broken, KEY).spent()).toEqual([]);
    const throwing = {
      ...memoryStorage(),
      getItem: (): string => {
        throw new Error('SecurityError');
      },
      setItem: (): void => {
        throw new Error('QuotaExceededError');
      },
    };
    const persistence = createPersistence(throwing, KEY);
    await expect(persistence.addSpent(entry(1))).resolves.toBeUndefined();
    await expect(persistence.setRetryAfter(Date.now() + 1000)).resolves.toBeUndefined();
    expect(await persistence.spent()).toEqual([]);
  });
});
