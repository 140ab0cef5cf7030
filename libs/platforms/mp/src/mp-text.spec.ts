import { mpUtf8Length, splitMpText } from './mp-text';

describe('splitMpText', () => {
  it('keeps short texts whole and gives no parts for the empty string', () => {
    expect(splitMpText('hi', 2048)).toEqual(['hi']);
    expect(splitMpText('', 2048)).toEqual([]);
  });

  it('never cuts inside a character or a surrogate pair, and joins back exactly', () => {
    const text = '😀'.repeat(1000) + '汉字'.repeat(700);
    const parts = splitMpText(text, 2048);
    expect(parts.join('')).toBe(text);
    for (const p of parts) {
      expect(mpUtf8Length(p)).toBeLessThanOrEqual(2048);
      expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
  });

  it('prefers a line break, unless the part would be tiny', () => {
    expect(splitMpText('aaaaaa\nbbbbbbbb', 10)).toEqual(['aaaaaa\n', 'bbbbbbbb']);
    expect(splitMpText('a\nbbbbbbbbbbbbb', 10)).toEqual(['a\nbbbbbbbb', 'bbbbb']);
  });

  it('fills a 2048-byte boundary exactly', () => {
    expect(splitMpText('a'.repeat(2048), 2048)).toHaveLength(1);
    expect(splitMpText('a'.repeat(2049), 2048).map((p) => p.length)).toEqual([2048, 1]);
  });

  it('rejects a limit too small for any character', () => {
    expect(() => splitMpText('x', 3)).toThrow(RangeError);
  });
});
