import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as root from '../../src';
import * as native from '../../src/react-native';
import * as react from '../../src/react';
import * as testing from '../../src/testing';

const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const source = (path: string) => readFileSync(new URL(`../../src/${path}`, import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('README.md matches the real API', () => {
  it('every name its examples import from tokenflight is exported', () => {
    const entries: Record<string, object> = { tokenflight: root, 'tokenflight/react-native': native, 'tokenflight/react': react, 'tokenflight/testing': testing };
    const imported = blocks.flatMap((code) =>
      [...code.matchAll(/import \{([^}]+)\} from '(tokenflight[^']*)'/g)].flatMap((m) =>
        (m[1] ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => !name.startsWith('type ')) // types are checked by the examples' type-check
          .map((name) => ({ name, from: m[2] ?? '' })),
      ),
    );
    expect(imported.length).toBeGreaterThan(8);
    for (const { name, from } of imported) expect(Object.keys(entries[from] ?? {}), `${name} from ${from}`).toContain(name);
  });

  it('the options, event fields and defaults it names exist', () => {
    const options = source('options.ts');
    for (const option of ['baseUrl', 'cookie', 'storage', 'storageKey', 'lock', 'channel', 'lockTimeout']) {
      expect(options, option).toMatch(new RegExp(`\\n  ${option}\\?*:`));
    }
    expect(options).toContain("lockTimeout, 10_000");
    expect(options).toContain('broadcastChannel(`tokenflight:${storageKey}`)');
    const events = source('events.ts');
    for (const text of ["'storage-read'", "'storage-write'", "origin: EventOrigin", "'remote'"]) expect(events).toContain(text);
    expect(source('session/storage/codec.ts')).toContain("DEFAULT_STORAGE_KEY = 'tokenflight.session'");
    expect(source('client.ts')).toContain('lockName: `tokenflight:${o.storageKey}`');
    expect(doc).toContain('tokenflight:<storageKey>:sent:<fingerprint>');
    expect(source('session/refresh-flow.ts')).toContain('`${options.lockName}:sent:${fingerprint(token)}`');
  });
});
