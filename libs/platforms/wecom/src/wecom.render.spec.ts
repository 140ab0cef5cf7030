import { answerToOutgoing } from '@imbridge/platform-core';
import { renderWecomMessage, WECOM_RENDER_LIMITS } from './wecom.render';
import { WECOM_DESCRIPTION_MAX_BYTES, WECOM_NEWS_MAX_ARTICLES, WECOM_TEXT_MAX_BYTES, WECOM_TITLE_MAX_BYTES, WecomSender } from './wecom.sender';
import { utf8Length } from './wecom-text';

describe('renderWecomMessage', () => {
  it('uses the same limits as the sender', () => {
    expect(WECOM_RENDER_LIMITS).toEqual({ text: WECOM_TEXT_MAX_BYTES, title: WECOM_TITLE_MAX_BYTES, description: WECOM_DESCRIPTION_MAX_BYTES, articles: WECOM_NEWS_MAX_ARTICLES });
  });

  it('keeps a short text whole, with its byte count', () => {
    expect(renderWecomMessage({ type: 'text', text: '你好 😀' })).toEqual([{ type: 'text', preview: '你好 😀', bytes: 11 }]);
  });

  it('splits a long text at 2048 bytes at paragraph boundaries, losing nothing', () => {
    const para = '这是一段比较长的说明文字。'.repeat(40); // 13 chars × 3 B × 40 = 1560 B
    const text = `${para}\n\n${para}\n\n${para}`;
    const parts = renderWecomMessage({ type: 'text', text });
    expect(parts.length).toBe(3);
    for (const p of parts) {
      expect(p.type).toBe('text');
      expect(p.bytes).toBe(utf8Length(p.preview));
      expect(p.bytes!).toBeLessThanOrEqual(2048);
    }
    expect(parts.map((p) => p.preview).join('')).toBe(text);
    expect(parts[0]!.preview.endsWith('\n\n')).toBe(true);
  });

  it('degrades markdown to plain text (as the sender sends it)', () => {
    const parts = renderWecomMessage({ type: 'markdown', markdown: '# 退货流程\n\n1. 登录 **账户**\n* 见 [帮助中心](https://example.com/help)' });
    expect(parts).toEqual([{ type: 'text', preview: '退货流程\n\n1. 登录 账户\n- 见 帮助中心 (https://example.com/help)', bytes: utf8Length('退货流程\n\n1. 登录 账户\n- 见 帮助中心 (https://example.com/help)') }]);
  });

  it('drops a blank text (the sender would refuse it)', () => {
    expect(renderWecomMessage({ type: 'text', text: '  \n ' })).toEqual([]);
  });

  it('renders images, files, news and textcards', () => {
    expect(renderWecomMessage({ type: 'image', url: 'https://example.com/a.png' })).toEqual([{ type: 'image', preview: 'https://example.com/a.png' }]);
    expect(renderWecomMessage({ type: 'file', mediaId: 'm1', fileName: '报价.pdf' })).toEqual([{ type: 'file', preview: '报价.pdf' }]);
    const longTitle = '标题'.repeat(100); // 600 B
    const [news] = renderWecomMessage({
      type: 'news',
      articles: Array.from({ length: 10 }, (_, i) => ({ title: i === 0 ? longTitle : `文章${i}`, url: `https://example.com/${i}`, ...(i === 1 ? { description: '摘要' } : {}) })),
    });
    expect(news!.type).toBe('news');
    const blocks = news!.preview.split('\n\n');
    expect(blocks).toHaveLength(8);
    expect(utf8Length(blocks[0]!.split('\n')[0]!)).toBeLessThanOrEqual(128);
    expect(blocks[0]!.split('\n')[0]!.endsWith('…')).toBe(true);
    expect(blocks[1]).toBe('文章1\n摘要\nhttps://example.com/1');
    expect(news!.bytes).toBe(utf8Length(news!.preview));
    const [card] = renderWecomMessage({ type: 'textcard', title: '工单', description: '已处理', url: 'https://example.com/t/1' });
    expect(card).toEqual({ type: 'textcard', preview: '工单\n已处理\nhttps://example.com/t/1', bytes: utf8Length('工单\n已处理\nhttps://example.com/t/1') });
  });

  it('is what WecomSender.render gives for an answer', () => {
    const sender = new WecomSender();
    const parts = answerToOutgoing({ text: '**你好**', images: [{ url: 'https://example.com/a.png' }], links: [{ title: '帮助', url: 'https://example.com/h' }] }).flatMap((m) => sender.render(m));
    expect(parts.map((p) => [p.type, p.preview])).toEqual([
      ['text', '你好'],
      ['image', 'https://example.com/a.png'],
      ['news', '帮助\nhttps://example.com/h'],
    ]);
  });
});
