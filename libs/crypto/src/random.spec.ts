import { randomAlnum, randomEncodingAesKey, randomToken } from './random';
import { decodeEncodingAesKey } from './wx-biz-msg-crypt';

describe('random values', () => {
  it('randomAlnum gives the requested length from [A-Za-z0-9]', () => {
    expect(randomAlnum(0)).toBe('');
    for (const n of [1, 7, 43, 1000]) {
      const s = randomAlnum(n);
      expect(s).toHaveLength(n);
      expect(s).toMatch(/^[A-Za-z0-9]*$/);
    }
    expect(() => randomAlnum(-1)).toThrow(RangeError);
    expect(() => randomAlnum(1.5)).toThrow(RangeError);
  });

  it('randomAlnum is roughly uniform over all 62 characters', () => {
    const s = randomAlnum(62_000);
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each, sd ~31; bounds are > 9 sd away, so this never flakes but catches bias.
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(700);
      expect(c).toBeLessThan(1300);
    }
  });

  it('randomEncodingAesKey: 100 keys all decode to 32 bytes', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const k = randomEncodingAesKey();
      expect(k).toMatch(/^[A-Za-z0-9]{43}$/);
      expect(decodeEncodingAesKey(k)).toHaveLength(32);
      keys.add(k);
    }
    expect(keys.size).toBe(100);
  });

  it('randomToken is 32 alnum chars', () => {
    const t = randomToken();
    expect(t).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomToken()).not.toBe(t);
  });
});
