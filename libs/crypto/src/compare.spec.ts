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
});
