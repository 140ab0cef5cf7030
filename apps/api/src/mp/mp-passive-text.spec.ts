import { buildPage, MP_CONTINUE_HINT, passiveTextOf } from './mp-passive-text';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const HINT = `\n\n${MP_CONTINUE_HINT}`;

describe('passive reply pages', () => {
  it('joins waiting messages with a blank line when they fit, and advances each to its end', () => {
    const page = buildPage(
      [
        { id: 'a', text: '第一条', offset: 0 },
        { id: 'b', text: 'second', offset: 0 },
      ],
      2000,
    );
    expect(page).toEqual({
      text: '第一条\n\nsecond',
      advanced: [
        { id: 'a', offset: 3, done: true },
        { id: 'b', offset: 6, done: true },
      ],
      more: false,
    });
  });

  it('cuts a long message within the page (hint included), continues from its offset, and joins back exactly', () => {
    const long = Array.from({ length: 200 }, (_, i) => `行${i}：中文与 emoji 😀 混排`).join('\n');
    let offset = 0;
    const pieces: string[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const page = buildPage([{ id: 'x', text: long, offset }], 500);
      expect(bytes(page.text)).toBeLessThanOrEqual(500);
      const adv = page.advanced[0]!;
      pieces.push(page.more ? page.text.slice(0, -HINT.length) : page.text);
      expect(page.text.endsWith(HINT)).toBe(page.more);
      offset = adv.offset;
      if (adv.done) break;
    }
    expect(pieces.join('')).toBe(long);
    // Never inside a surrogate pair.
    for (const p of pieces) expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it('does not start a later message in the last sliver of a page', () => {
    const first = 'a'.repeat(1800);
    const page = buildPage(
      [
        { id: 'a', text: first, offset: 0 },
        { id: 'b', text: 'b'.repeat(1000), offset: 0 },
      ],
      2000,
    );
    expect(page.advanced).toEqual([{ id: 'a', offset: 1800, done: true }]);
    expect(page.text).toBe(`${first}${HINT}`);
  });

  it('appends the holding text, and gives it alone when nothing waits', () => {
    expect(buildPage([{ id: 'a', text: '旧答案', offset: 0 }], 2000, '请稍候').text).toBe('旧答案\n\n请稍候');
    expect(buildPage([], 2000, '请稍候')).toEqual({ text: '请稍候', advanced: [], more: false });
    expect(buildPage([], 2000)).toEqual({ text: '', advanced: [], more: false });
  });

  it('turns outgoing messages into text, or null for what a passive text reply cannot carry', () => {
    expect(passiveTextOf({ type: 'text', text: '你好' })).toBe('你好');
    expect(passiveTextOf({ type: 'markdown', markdown: '**粗体** 文本' })).toContain('粗体');
    expect(passiveTextOf({ type: 'news', articles: [{ title: '标题', url: 'https://example.com/a' }] })).toBe('标题\nhttps://example.com/a');
    expect(passiveTextOf({ type: 'file', url: 'https://example.com/f.pdf' })).toBe('https://example.com/f.pdf');
    expect(passiveTextOf({ type: 'image', mediaFileId: '00000000-0000-0000-0000-000000000000' })).toBeNull();
  });
});
