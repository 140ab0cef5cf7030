import { randomBytes } from 'node:crypto';
import { decodeBase64Strict } from './base64';
import { CryptoError } from './errors';

/** The definition the round-trip check replaces: the alphabet regex, then the round trip. */
function strictByRegex(value: string): boolean {
  if (value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').toString('base64') === value;
}

function accepts(value: string): boolean {
  try {
    decodeBase64Strict(value);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(CryptoError);
    expect((err as CryptoError).code).toBe('BAD_BASE64');
    return false;
  }
}

describe('decodeBase64Strict', () => {
  it('decodes canonical standard base64 of every length', () => {
    for (let n = 1; n <= 70; n++) {
      const bytes = randomBytes(n);
      expect(decodeBase64Strict(bytes.toString('base64')).equals(bytes)).toBe(true);
    }
  });

  it.each([
    ['empty', ''],
    ['url-safe alphabet', 'ab-_'],
    ['missing padding', 'YQ'],
    ['extra padding', 'YQ=='.concat('====')],
    ['padding inside', 'YQ==YQ=='],
    ['a space', 'YW Jj'],
    ['a newline', 'YWJj\nYWJj'],
    ['non-zero pad bits (one =)', 'YWJ='],
    ['non-zero pad bits (two =)', 'YR=='],
    ['three =', 'Y==='],
    ['a non-ASCII letter', 'YWJé'],
    ['a NUL', 'YWJ\u0000'],
  ])('refuses %s', (_name, value) => {
    expect(accepts(value)).toBe(false);
  });

  it('accepts exactly what the alphabet-regex definition accepts (generated strings)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.é';
    let seed = 7;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    let accepted = 0;
    for (let t = 0; t < 20_000; t++) {
      let v: string;
      if (t % 2 === 0) {
        // A canonical value, possibly mutated in one place.
        v = randomBytes(1 + (next() % 20)).toString('base64');
        if (next() % 2) {
          const k = next() % v.length;
          v = v.slice(0, k) + alphabet[next() % alphabet.length] + v.slice(k + 1);
        }
      } else {
        v = '';
        const len = 4 * (next() % 4);
        for (let k = 0; k < len; k++) v += alphabet[next() % alphabet.length];
      }
      const expected = strictByRegex(v);
      expect([v, accepts(v)]).toEqual([v, expected]);
      if (expected) accepted++;
    }
    expect(accepted).toBeGreaterThan(5_000);
  });
});
