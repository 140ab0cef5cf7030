import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ConversationView, MessageView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';

const base = { conversationId: 'c-1', content: null, error: null, sentAt: null } as const;

const messages: MessageView[] = [
  { ...base, id: 'm1', direction: 'in', type: 'text', text: '你好，价格是多少？', status: 'received', createdAt: '2025-05-01T08:00:00.000Z' },
  {
    ...base,
    id: 'm2',
    direction: 'out',
    type: 'text',
    text: '请看 https://example.com/price?a=1 。',
    status: 'sent',
    createdAt: '2025-05-01T08:00:01.000Z',
    sentAt: '2025-05-01T08:00:02.000Z',
  },
  {
    ...base,
    id: 'm3',
    direction: 'in',
    type: 'text',
    text: '<img src=x onerror=alert(1)> <b>bold</b> javascript:alert(1) http://ok.example/x',
    status: 'received',
    createdAt: '2025-05-01T08:01:00.000Z',
  },
  {
    ...base,
    id: 'm4',
    direction: 'out',
    type: 'text',
    text: '稍等',
    status: 'failed',
    error: { code: 'PLATFORM_ERROR', message: 'not allow to access from your ip', platformCode: '60020' },
    createdAt: '2025-05-01T08:02:00.000Z',
  },
  { ...base, id: 'm5', direction: 'out', type: 'text', text: '排队中的消息', status: 'queued', createdAt: '2025-05-01T08:03:00.000Z' },
  { ...base, id: 'm6', direction: 'out', type: 'text', text: '发送中的消息', status: 'sending', createdAt: '2025-05-01T08:03:30.000Z' },
  {
    ...base,
    id: 'm7',
    direction: 'in',
    type: 'image',
    text: null,
    content: { mediaFileId: 'mf-1' },
    status: 'received',
    createdAt: '2025-05-01T08:04:00.000Z',
  },
  {
    ...base,
    id: 'm8',
    direction: 'in',
    type: 'file',
    text: null,
    content: { mediaFileId: 'mf-2', fileName: '报价单.pdf' },
    status: 'received',
    createdAt: '2025-05-01T08:05:00.000Z',
  },
  {
    ...base,
    id: 'm9',
    direction: 'in',
    type: 'event',
    text: null,
    content: { event: { name: 'enter_agent' } },
    status: 'received',
    createdAt: '2025-05-01T07:59:00.000Z',
  },
];

const conversation: ConversationView = {
  id: 'c-1',
  integrationId: 'int-1',
  platform: 'wecom',
  state: 'bot',
  contact: { id: 'ct-1', externalId: 'zhangsan', displayName: '张三' },
  assigneeId: null,
  lastMessageAt: '2025-05-01T08:05:00.000Z',
  lastMessagePreview: '你好',
  createdAt: '2025-05-01T07:59:00.000Z',
};

const bubble = (id: string) => document.querySelector(`[data-message-id="${id}"]`) as HTMLElement;

describe('conversation view', () => {
  it('renders the timeline: inbound left, outbound right, statuses, failure reason, media and events', async () => {
    mockFetch([{ path: '/api/conversations/c-1/messages', body: messages }]);
    renderApp({ route: '/conversations/c-1', user: adminUser });

    expect(await screen.findByText('你好，价格是多少？')).toBeTruthy();
    expect(bubble('m1').className).toContain('msg--in');
    expect(bubble('m2').className).toContain('msg--out');
    expect(within(bubble('m1')).queryByTestId('msg-status')).toBeNull();
    expect(within(bubble('m2')).getByTestId('msg-status').textContent).toBe('已发送');
    expect(within(bubble('m4')).getByTestId('msg-status').textContent).toBe('失败');
    expect(within(bubble('m5')).getByTestId('msg-status').textContent).toBe('已排队');
    expect(within(bubble('m6')).getByTestId('msg-status').textContent).toBe('发送中');
    const reason = within(bubble('m4')).getByTestId('msg-error').textContent ?? '';
    expect(reason).toContain('not allow to access from your ip');
    expect(reason).toContain('60020');
    // Admins may retry failed messages only.
    expect(within(bubble('m4')).getByRole('button', { name: /重\s*试/ })).toBeTruthy();
    expect(within(bubble('m2')).queryByRole('button', { name: /重\s*试/ })).toBeNull();

    const img = bubble('m7').querySelector('img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('/api/media/mf-1');
    const file = within(bubble('m8')).getByTestId('msg-file') as HTMLAnchorElement;
    expect(file.getAttribute('href')).toBe('/api/media/mf-2');
    expect(file.textContent).toContain('报价单.pdf');
    expect(bubble('m9').textContent).toContain('事件：enter_agent');
    expect(bubble('m9').className).toContain('msg-system');

    // Chronological order: the event (07:59) comes first.
    const order = Array.from(document.querySelectorAll('[data-message-id]')).map((el) => el.getAttribute('data-message-id'));
    expect(order[0]).toBe('m9');
  });

  it('renders message text inert and links only http(s) URLs', async () => {
    mockFetch([{ path: '/api/conversations/c-1/messages', body: messages }]);
    renderApp({ route: '/conversations/c-1', user: adminUser });
    await screen.findByText('你好，价格是多少？');

    const evil = bubble('m3');
    expect(evil.textContent).toContain('<img src=x onerror=alert(1)> <b>bold</b> javascript:alert(1)');
    expect(evil.querySelector('img')).toBeNull();
    expect(evil.querySelector('b')).toBeNull();
    const links = Array.from(evil.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['http://ok.example/x']);
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer');
    expect(links[0].getAttribute('target')).toBe('_blank');
    expect(document.querySelector('a[href^="javascript"]')).toBeNull();

    // Trailing punctuation stays outside the link.
    const link = within(bubble('m2')).getByRole('link');
    expect(link.getAttribute('href')).toBe('https://example.com/price?a=1');
  });

  it('posts a reply, shows it as queued, and counts bytes against the 2048-byte WeCom limit', async () => {
    const queued: MessageView = {
      ...base,
      id: 'm-new',
      direction: 'out',
      type: 'text',
      text: '好的，马上为您查询',
      status: 'queued',
      createdAt: '2025-05-01T09:00:00.000Z',
    };
    const { calls } = mockFetch([
      { path: '/api/conversations/c-1/messages', body: [messages[0]] },
      { method: 'POST', path: '/api/conversations/c-1/messages', status: 201, body: queued },
    ]);
    renderApp({ route: '/conversations/c-1', user: agentUser });
    await screen.findByText('你好，价格是多少？');

    const box = screen.getByLabelText('回复内容');
    expect(screen.getByTestId('reply-bytes').textContent).toContain('0 / 2048 字节');
    fireEvent.change(box, { target: { value: '好的，马上为您查询' } });
    // 9 CJK characters (3 bytes each) = 27 bytes
    expect(screen.getByTestId('reply-bytes').textContent).toContain('27 / 2048 字节');
    fireEvent.click(screen.getByRole('button', { name: /发\s*送/ }));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ text: '好的，马上为您查询' });
    expect(post.credentials).toBe('same-origin');
    await waitFor(() => expect(bubble('m-new')).toBeTruthy());
    expect(within(bubble('m-new')).getByTestId('msg-status').textContent).toBe('已排队');
    expect((box as HTMLTextAreaElement).value).toBe('');

    // Over the limit: says it will be split.
    fireEvent.change(box, { target: { value: '长'.repeat(1000) } });
    expect(screen.getByTestId('reply-bytes').textContent).toContain('3000 / 2048 字节');
    expect(screen.getByTestId('reply-bytes').textContent).toContain('将拆分为约 2 条消息依次发送');
  });

  it('retries a failed message (admins) and hides the button from agents', async () => {
    const { calls } = mockFetch([
      { path: '/api/conversations/c-1/messages', body: messages },
      { method: 'POST', path: '/api/conversations/messages/m4/retry', body: { ...messages[3], status: 'queued', error: null } },
    ]);
    renderApp({ route: '/conversations/c-1', user: adminUser });
    await screen.findByText('你好，价格是多少？');
    fireEvent.click(within(bubble('m4')).getByRole('button', { name: /重\s*试/ }));
    await waitFor(() => expect(within(bubble('m4')).getByTestId('msg-status').textContent).toBe('已排队'));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/messages/m4/retry')).toBe(true);
  });

  it('agents see the failure reason but no retry button', async () => {
    mockFetch([{ path: '/api/conversations/c-1/messages', body: messages }]);
    renderApp({ route: '/conversations/c-1', user: agentUser, lang: 'en' });
    await screen.findByText('你好，价格是多少？');
    expect(within(bubble('m4')).getByTestId('msg-status').textContent).toBe('Failed');
    expect(within(bubble('m4')).queryByRole('button', { name: /Retry/ })).toBeNull();
  });
});

describe('conversations list', () => {
  it('lists conversations with filters in the query and opens one', async () => {
    const { calls } = mockFetch([
      { path: /^\/api\/conversations\?/, body: [conversation] },
      { path: '/api/integrations', body: [{ id: 'int-1', name: '客服号 - 华东' }] },
      { path: '/api/conversations/c-1/messages', body: [messages[0]] },
    ]);
    renderApp({ route: '/conversations?state=bot&integrationId=int-1', user: adminUser });

    const row = (await screen.findByText('张三')).closest('tr') as HTMLElement;
    expect(within(row).getByText('机器人')).toBeTruthy();
    expect(await within(row).findByText('客服号 - 华东')).toBeTruthy();
    const list = calls.find((c) => c.path.startsWith('/api/conversations?'))!;
    const query = new URLSearchParams(list.path.split('?')[1]);
    expect(query.get('state')).toBe('bot');
    expect(query.get('integrationId')).toBe('int-1');
    expect(query.get('limit')).toBe('50');
    expect(query.get('offset')).toBe('0');

    fireEvent.click(within(row).getByText('张三'));
    expect(await screen.findByText('你好，价格是多少？')).toBeTruthy();
    // The header shows the contact carried over from the list.
    expect(screen.getAllByText('张三').length).toBeGreaterThan(0);
  });

  it('agents get the conversations (not the admin pages) in the menu and do not load integrations', async () => {
    const { calls } = mockFetch([{ path: /^\/api\/conversations\?/, body: [conversation] }]);
    renderApp({ route: '/', user: agentUser });
    expect(await screen.findByText('张三')).toBeTruthy();
    const menu = document.querySelector('.ant-menu') as HTMLElement;
    expect(within(menu).getByText('会话')).toBeTruthy();
    expect(within(menu).queryByText('集成')).toBeNull();
    expect(within(menu).queryByText('关键词回复')).toBeNull();
    expect(calls.some((c) => c.path === '/api/integrations')).toBe(false);
  });
});
