import { timingSafeEqualStr } from './compare';

describe('timingSafeEqualStr', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqualStr('abc', 'abc')).toBe(true);
    expect(timingSafeEqualStr('', '')).toBe(true);
    expect(timingSafeEqualStr('中文😀', '中文😀')).toBe(true);
    expect(timingSafeEqualStr('abc', 'abd')).toBe(false);
    expect(timingSafeEqualStr('abc', 'ABC')).toBe(false);
  });

  it('handles different lengths without throwing', () => {
    expect(timingSafeEqualStr('abc', 'abcd')).toBe(false);
    expect(timingSafeEqualStr('', 'a')).toBe(false);
    expect(timingSafeEqualStr('a'.repeat(10_000), 'a')).toBe(false);
  });

  it('compares UTF-8 bytes: the same number of characters is not the same length', () => {
    expect(timingSafeEqualStr('é', 'e')).toBe(false);
    expect(timingSafeEqualStr('ab', '中')).toBe(false);
    expect(timingSafeEqualStr('\u00e9', 'e\u0301')).toBe(false); // precomposed vs combining: different bytes
  });

  it('finds a difference in any position of equal-length strings', () => {
    const sig = 'f'.repeat(40);
    for (let k = 0; k < 40; k++) expect(timingSafeEqualStr(sig, `${sig.slice(0, k)}e${sig.slice(k + 1)}`)).toBe(false);
  });
});
