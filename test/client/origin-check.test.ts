import { describe, expect, it } from 'vitest';
import { createOriginCheck } from '../../src/http/origins';

const TRUSTED = ['https://api.test', 'http://127.0.0.1:8080', 'https://[::1]:8443'];
/** The rule itself: the URL's parsed origin is on the list. */
const reference = (url: string): boolean => {
  try {
    return TRUSTED.includes(new URL(url).origin);
  } catch {
    return false;
  }
};

const URLS = [
  'https://api.test/me',
  'https://api.test',
  'https://api.test?x=1',
  'https://api.test#f',
  'https://API.test/me',
  'https://api.test:443/me',
  'https://api.test:444/me',
  'http://api.test/me',
  'https://api.test.evil.com/me',
  'https://evil.com/https://api.test/',
  'https://user:pass@api.test/me',
  'https://api.test@evil.com/me',
  'https://evil.com@api.test/me',
  'https://api.test\\@evil.com/me',
  'https://evil.com\\@api.test/me',
  'https://api.test /me',
  'https://api.te\tst/me',
  ' https://api.test/me',
  'HTTPS://api.test/me',
  'http://127.0.0.1:8080/x',
  'http://127.0.0.1:80/x',
  'http://127.1:8080/x',
  'http://0x7f.0.0.1:8080/x',
  'https://[::1]:8443/x',
  'https://[0:0::1]:8443/x',
  'https://api.test:/me',
  'https://:443/me',
  'not a url',
  '',
];

describe('origin check', () => {
  it('gives the verdict of parsing the URL, whatever was asked before (every URL asked twice, in both orders)', () => {
    const check = createOriginCheck(TRUSTED);
    for (const url of [...URLS, ...URLS.toReversed()]) expect([url, check(url)]).toEqual([url, reference(url)]);
  });

  it('stays right past the number of origins it keeps', () => {
    const check = createOriginCheck(TRUSTED);
    for (let i = 0; i < 100; i++) expect(check(`https://host${i}.test/x`)).toBe(false);
    expect(check('https://api.test/me')).toBe(true);
    for (let i = 0; i < 100; i++) expect(check(`https://host${i}.test/y`)).toBe(false);
    expect(check('https://api.test/again')).toBe(true);
    expect(check('https://api.test:444/me')).toBe(false);
  });
});
