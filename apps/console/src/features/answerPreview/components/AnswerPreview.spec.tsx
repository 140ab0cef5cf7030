import { useState } from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RenderedPart } from '@imbridge/contracts';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { AnswerPreview } from './AnswerPreview';

const parts: RenderedPart[] = [
  { type: 'text', preview: '退货说明\n\n请注意：七天内申请', bytes: 44 },
  { type: 'text', preview: '<script>alert(1)</script> 第二段', bytes: 35 },
  { type: 'image', preview: 'https://example.com/a.png' },
  { type: 'image', preview: 'javascript:alert(1)' },
  { type: 'news', preview: '帮助中心\nhttps://example.com/help', bytes: 37 },
];

describe('<AnswerPreview>', () => {
  it('asks the server for the platform rendering and shows each part as a bubble with its bytes', async () => {
    const { calls } = mockFetch([{ method: 'POST', path: '/api/preview/answer', body: { parts } }]);
    const answer = { text: '## 退货说明\n\n**请注意**：七天内申请', images: [{ url: 'https://example.com/a.png' }] };
    renderWithProviders(<AnswerPreview platform="wecom" answer={answer} debounceMs={0} />);

    const bubbles = await screen.findAllByTestId('answer-preview-part');
    expect(bubbles.map((b) => b.getAttribute('data-type'))).toEqual(['text', 'text', 'image', 'image', 'news']);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ platform: 'wecom', answer });
    expect(screen.getByTestId('answer-preview-count').textContent).toBe('共 5 条消息');
    expect(bubbles[0]!.textContent).toContain('44 字节');
    expect(bubbles[0]!.querySelector('.ant-typography')!.textContent).toBe('退货说明\n\n请注意：七天内申请');
    // Inert: markup stays text; only an http(s) image is loaded.
    expect(bubbles[1]!.textContent).toContain('<script>alert(1)</script>');
    expect(document.querySelector('script')).toBeNull();
    expect(bubbles[2]!.querySelector('img')!.getAttribute('src')).toBe('https://example.com/a.png');
    expect(bubbles[3]!.querySelector('img')).toBeNull();
    expect(bubbles[4]!.textContent).toContain('图文');
  });

  it('shows the server\'s reason when the answer is refused, in English too', async () => {
    mockFetch([
      {
        method: 'POST',
        path: '/api/preview/answer',
        status: 400,
        body: { statusCode: 400, code: 'INVALID_ANSWER', message: 'answer.images[0].url: only http and https URLs are allowed', messageZh: 'answer.images[0].url：只允许 http / https 网址' },
      },
    ]);
    renderWithProviders(<AnswerPreview platform="wecom" answer={{ images: [{ url: 'ftp://x' }] }} debounceMs={0} />, { lang: 'en' });
    expect(await screen.findByText('Preview failed')).toBeTruthy();
    expect(screen.getByText('answer.images[0].url: only http and https URLs are allowed')).toBeTruthy();
  });

  it('does not call the server for an empty answer', async () => {
    const { calls } = mockFetch([]);
    renderWithProviders(<AnswerPreview platform="wecom" answer={{ text: '   ' }} debounceMs={0} />);
    expect(await screen.findByText('没有可发送的内容')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(0);
  });

  it('previews again when the answer changes', async () => {
    const { calls } = mockFetch([{ method: 'POST', path: '/api/preview/answer', body: { parts: [parts[0]!] } }]);
    function Editor() {
      const [text, setText] = useState('一');
      return (
        <>
          <button onClick={() => setText('二')}>change</button>
          <AnswerPreview platform="wecom" answer={{ text }} debounceMs={0} />
        </>
      );
    }
    renderWithProviders(<Editor />);
    await screen.findByTestId('answer-preview-part');
    fireEvent.click(screen.getByText('change'));
    await waitFor(() => expect(calls.map((c) => (c.body as { answer: { text: string } }).answer.text)).toEqual(['一', '二']));
  });
});
