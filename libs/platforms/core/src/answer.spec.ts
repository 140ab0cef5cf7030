import { answerToOutgoing } from './answer';

describe('answerToOutgoing', () => {
  it('sends plain text as text, byte-for-byte', () => {
    const text = '您好！订单 #00123 已发货 1e5 😀\n第二行';
    expect(answerToOutgoing({ text })).toEqual([{ type: 'text', text }]);
  });

  it('detects markdown: headings, lists, bold, links, code, quotes', () => {
    for (const md of ['# 标题\n正文', '- 第一\n- 第二', '1. 步骤', '这是 **重点**', '见 [文档](https://example.com)', '运行 `npm start`', '> 引用']) {
      expect(answerToOutgoing({ text: md })).toEqual([{ type: 'markdown', markdown: md }]);
    }
  });

  it('does not take ordinary punctuation for markdown', () => {
    for (const plain of ['价格 3*4=12 元', '#话题 不是标题', 'a-b 之间', 'https://example.com/a_b_c', '1.5 倍']) {
      expect(answerToOutgoing({ text: plain })).toEqual([{ type: 'text', text: plain }]);
    }
  });

  it('drops blank text and keeps the order text, images, links', () => {
    const out = answerToOutgoing({
      text: '看图',
      images: [{ url: 'https://example.com/a.png', alt: 'A' }, { url: 'https://example.com/b.png' }],
      links: [{ title: '说明', url: 'https://example.com/doc', description: '详细说明' }],
    });
    expect(out).toEqual([
      { type: 'text', text: '看图' },
      { type: 'image', url: 'https://example.com/a.png' },
      { type: 'image', url: 'https://example.com/b.png' },
      { type: 'news', articles: [{ title: '说明', url: 'https://example.com/doc', description: '详细说明' }] },
    ]);
    expect(answerToOutgoing({ text: '  \n ', images: [{ url: 'https://example.com/c.png' }] })).toEqual([{ type: 'image', url: 'https://example.com/c.png' }]);
    expect(answerToOutgoing({})).toEqual([]);
  });

  it('batches links by 8 per news message, in order, without empty descriptions', () => {
    const links = Array.from({ length: 17 }, (_, i) => ({ title: `链接 ${i + 1}`, url: `https://example.com/${i + 1}`, ...(i === 0 ? { description: '' } : {}) }));
    const out = answerToOutgoing({ links });
    expect(out.map((m) => (m.type === 'news' ? m.articles.length : -1))).toEqual([8, 8, 1]);
    const titles = out.flatMap((m) => (m.type === 'news' ? m.articles.map((a) => a.title) : []));
    expect(titles).toEqual(links.map((l) => l.title));
    expect(out[0]!.type === 'news' && out[0]!.articles[0]).toEqual({ title: '链接 1', url: 'https://example.com/1' });
  });

  it('gives exactly one news message for 8 links', () => {
    const links = Array.from({ length: 8 }, (_, i) => ({ title: `t${i}`, url: `https://example.com/${i}` }));
    expect(answerToOutgoing({ links })).toHaveLength(1);
  });
});
