import { expect, it } from 'vitest';
import { createOriginCheck } from '../../src/http/origins';
it('the verdict kept per URL prefix is always the one a full parse gives, hostile spellings and any order of first sight alike', () => {
  const allowed = ['https://api.example.com', 'http://[::1]:8080', 'https://xn--bcher-kva.example'];
  const urls = [
    'https://api.example.com/x', 'https://api.example.com:443/x', 'HTTPS://API.EXAMPLE.COM/x', 'https://api.example.com./x',
    'https://api.example.com@evil.com/', 'https://api.example.com:x@evil.com/', 'https://api.example.com\\@evil.com/', 'https://evil.com\\api.example.com/',
    'https://api.example.com\t/x', 'https://api.exa\tmple.com/x', 'https://api.exa\nmple.com/x', 'https://bücher.example/x', 'https://xn--bcher-kva.example/',
    'https://api%2eexample.com/x', 'https://api.example.com%2f@evil.com/', 'http://[::1]:8080/x', 'http://[0:0::1]:8080/', 'http://[::1]:08080/', 'https://api.example.com:0443/',
    ' https://api.example.com/x', 'https://api.example.com:443', 'https://api.example.com?x', 'https://api.example.com#x', 'https:api.example.com/x', 'https:/api.example.com/x',
    'https://API.example.com/', 'https://api.example.com:/x', 'https://api_example.com/', 'https://[::ffff:127.0.0.1]/', 'https://api.example.com..', 'http://api.example.com/',
    'https://api.example.com.:443/', 'https://0x7f.1/', 'https://api.example.com:443@evil.com/', 'https://::@api.example.com/',
  ];
  const check = createOriginCheck(allowed);
  const truth = (u: string) => { try { return allowed.includes(new URL(u).origin); } catch { return false; } };
  const bad: string[] = [];
  for (let round = 0; round < 3; round++) for (const u of urls) if (check(u) !== truth(u)) bad.push(`${JSON.stringify(u)} cached=${check(u)} truth=${truth(u)}`);
  for (const u of [...urls].reverse()) if (check(u) !== truth(u)) bad.push(`rev ${JSON.stringify(u)}`);
  expect(bad).toEqual([]);
});
