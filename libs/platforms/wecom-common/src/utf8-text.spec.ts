import { splitUtf8, truncateUtf8, truncateUtf8WithEllipsis, utf8Length } from './utf8-text';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Every part within the limit, non-empty, joined back exactly, and valid UTF-8 on its own. */
function expectValidSplit(text: string, max: number): string[] {
  const parts = splitUtf8(text, max);
  expect(parts.join('')).toBe(text);
  for (const p of parts) {
    expect(p.length).toBeGreaterThan(0);
    expect(bytes(p)).toBeLessThanOrEqual(max);
    // No half of a surrogate pair at either end.
    expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
    // Round-trips through UTF-8 unchanged (no broken character).
    expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
  }
  return parts;
}

describe('utf8Length', () => {
  it('equals Buffer.byteLength, also for emoji and lone surrogates', () => {
    for (const s of ['', 'abc', '中文', '😀', 'a😀b', '\uD800', 'é', '👩‍👩‍👧']) expect(utf8Length(s)).toBe(bytes(s));
  });
});

describe('splitUtf8', () => {
  it('gives no parts for the empty string', () => {
    expect(splitUtf8('', 2048)).toEqual([]);
  });

  it('keeps a text of exactly 2048 bytes whole, and splits at 2049', () => {
    const exact = 'a'.repeat(2048);
    expect(splitUtf8(exact, 2048)).toEqual([exact]);
    const cjk = '中'.repeat(682) + 'ab'; // 2046 + 2
    expect(bytes(cjk)).toBe(2048);
    expect(splitUtf8(cjk, 2048)).toEqual([cjk]);
    expect(expectValidSplit(`${exact}b`, 2048)).toHaveLength(2);
  });

  it('splits a 5,000-byte Chinese text into ordered parts ≤ 2048 bytes that join back, at sentence ends', () => {
    const sentence = '企业微信自建应用的消息长度限制为两千零四十八字节，超出部分需要拆分发送。'; // 36 chars, 108 bytes
    let text = '';
    while (bytes(text) < 5000) text += sentence;
    expect(bytes(text)).toBeGreaterThanOrEqual(5000);
    const parts = expectValidSplit(text, 2048);
    expect(parts.length).toBe(3);
    for (const p of parts.slice(0, -1)) expect(p.endsWith('。')).toBe(true);
  });

  it('prefers a paragraph break, then a line break', () => {
    const para1 = `${'第一段内容。'.repeat(60)}\n\n`; // ~1082 bytes
    const para2 = `${'第二段的一行。'.repeat(40)}\n${'第二段的另一行。'.repeat(40)}`;
    const parts = expectValidSplit(para1 + para2, 2048);
    expect(parts[0]).toBe(para1);

    const lines = `${'一行文字'.repeat(100)}\n${'另一行'.repeat(100)}`; // 1201 + 900 bytes, no blank line
    const byLine = expectValidSplit(lines, 2048);
    expect(byLine[0]).toBe(`${'一行文字'.repeat(100)}\n`);
  });

  it('cuts after an ASCII sentence end only before whitespace (keeps 3.14 and example.com whole)', () => {
    const text = `${'Visit example.com or pay 3.14 now. '.repeat(100)}`;
    const parts = expectValidSplit(text, 500);
    for (const p of parts.slice(0, -1)) expect(p.endsWith('now. ')).toBe(true);
  });

  it('cuts anywhere when there is no natural boundary', () => {
    const text = '字'.repeat(2000); // 6000 bytes, no punctuation
    const parts = expectValidSplit(text, 2048);
    expect(parts.map(bytes)).toEqual([2046, 2046, 1908]);
  });

  it('never splits an emoji (surrogate pair, 4 bytes) at the boundary', () => {
    for (let pad = 0; pad < 4; pad++) {
      const text = 'a'.repeat(2046 + pad) + '😀'.repeat(3) + 'tail';
      const parts = expectValidSplit(text, 2048);
      expect(parts.length).toBeGreaterThan(1);
      // 2046 + 4 > 2048: the emoji goes whole into the next part.
      expect(parts[0]).toBe('a'.repeat(Math.min(2046 + pad, 2048)));
      expect(parts[1]?.startsWith(pad >= 2 ? (pad === 2 ? '😀' : 'a😀') : '😀')).toBe(true);
    }
    const allEmoji = '😀'.repeat(1500); // 6000 bytes
    const parts = expectValidSplit(allEmoji, 2048);
    expect(parts.map(bytes)).toEqual([2048, 2048, 1904]);
  });

  it('handles mixed scripts and tiny limits', () => {
    const text = 'Hello 世界! Ünïcödé 😀👍🏽 — 中文句子。English sentence? 最后';
    for (const max of [4, 5, 7, 16, 33]) expectValidSplit(text.repeat(5), max);
  });

  it('does not produce tiny parts from a boundary near the start', () => {
    const text = `短。\n${'长'.repeat(1000)}`;
    const parts = expectValidSplit(text, 2048);
    expect(bytes(parts[0] ?? '')).toBeGreaterThan(2048 / 2);
  });

  it('refuses a limit too small for one character', () => {
    expect(() => splitUtf8('abc', 3)).toThrow(RangeError);
  });
});

describe('truncateUtf8', () => {
  it('cuts by bytes without breaking characters', () => {
    expect(truncateUtf8('中文标题', 7)).toBe('中文');
    expect(truncateUtf8('ab😀', 5)).toBe('ab');
    expect(truncateUtf8('short', 128)).toBe('short');
  });

  it('adds an ellipsis only when cutting, within the limit', () => {
    const title = '标题'.repeat(50); // 300 bytes
    const cut = truncateUtf8WithEllipsis(title, 128);
    expect(bytes(cut)).toBeLessThanOrEqual(128);
    expect(cut.endsWith('…')).toBe(true);
    expect(truncateUtf8WithEllipsis('ok', 128)).toBe('ok');
  });
});
