import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ConversationView, MessageView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, renderDesk } from '../../desk/testing/fakeDesk';

const m = (over: Partial<MessageView> & { id: string }) => messageFixture({ conversationId: 'c-1', ...over });

const messages: MessageView[] = [
  m({ id: 'm1', text: '你好，价格是多少？', createdAt: '2025-05-01T08:00:00.000Z' }),
  m({ id: 'm2', direction: 'out', text: '请看 https://example.com/price?a=1 。', status: 'sent', createdAt: '2025-05-01T08:00:01.000Z', sentAt: '2025-05-01T08:00:02.000Z', authorId: agentUser.id }),
  m({
    id: 'm3',
    text: '<script>alert(1)</script> <img src=x onerror=alert(1)> <b>bold</b> javascript:alert(1) [x](javascript:alert(2)) http://ok.example/x',
    createdAt: '2025-05-01T08:01:00.000Z',
  }),
  m({
    id: 'm4',
    direction: 'out',
    text: '稍等',
    status: 'failed',
    error: { code: 'PLATFORM_ERROR', message: 'not allow to access from your ip', platformCode: '60020' },
    createdAt: '2025-05-01T08:02:00.000Z',
  }),
  m({ id: 'm5', direction: 'note', text: '这位客户上周投诉过，注意语气', status: 'sent', authorId: 'u-9', createdAt: '2025-05-01T08:03:00.000Z' }),
  m({ id: 'm7', type: 'image', text: null, content: { mediaFileId: 'mf-1' }, createdAt: '2025-05-01T08:04:00.000Z' }),
  m({ id: 'm8', direction: 'out', type: 'image', text: null, content: { mediaId: 'mf-9' }, status: 'queued', authorId: agentUser.id, createdAt: '2025-05-01T08:04:30.000Z' }),
  m({ id: 'm9', type: 'event', text: null, content: { event: { name: 'enter_agent' } }, createdAt: '2025-05-01T07:59:00.000Z' }),
];

const base = conversationFixture({
  id: 'c-1',
  contact: { id: 'ct-1', externalId: 'zhangsan', displayName: '张三' },
  state: 'assigned',
  assigneeId: agentUser.id,
});

function routes(conversation: ConversationView, extra: MockRoute[] = []): MockRoute[] {
  return [
    ...extra,
    { path: /^\/api\/conversations\?view=/, body: [] },
    { path: '/api/conversations/c-1', body: conversation },
    { path: /^\/api\/conversations\/c-1\/messages\?limit=\d+$/, body: messages },
    { path: '/api/conversations/c-1/reply-window', body: { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null } },
    {
      path: '/api/desk/agents',
      body: [
        { id: agentUser.id, username: 'agent1', displayName: '李客服', role: 'agent', status: 'online', capacity: 5, activeChats: 1 },
        { id: 'u-9', username: 'agent9', displayName: '赵客服', role: 'agent', status: 'away', capacity: 8, activeChats: 3 },
        { id: 'u-8', username: 'agent8', displayName: '钱客服', role: 'agent', status: 'online', capacity: 4, activeChats: 0 },
      ],
    },
    { path: '/api/contacts/ct-1', body: { id: 'ct-1', integrationId: 'int-1', externalId: 'zhangsan', displayName: '张三', firstSeenAt: '2025-04-01T08:00:00.000Z', messageCount: 8, conversations: [conversation] } },
  ];
}

const bubble = (id: string) => document.querySelector(`[data-message-id="${id}"]`) as HTMLElement;

describe('conversation pane', () => {
  it('renders inbound, outbound and notes distinctly, with statuses, failure reason, retry (admin), media and events', async () => {
    mockFetch(routes(base));
    const desk = new FakeDesk();
    renderDesk({ user: adminUser, desk, route: '/conversations/c-1' });
    expect(await screen.findByText('你好，价格是多少？')).toBeTruthy();
    desk.connect();

    expect(bubble('m1').getAttribute('data-direction')).toBe('in');
    expect(bubble('m1').getAttribute('data-testid')).toBe('message-bubble');
    expect(bubble('m2').getAttribute('data-direction')).toBe('out');
    expect(within(bubble('m2')).getByTestId('msg-status').textContent).toBe('已发送');
    expect(bubble('m5').getAttribute('data-direction')).toBe('note');
    expect(bubble('m5').className).toContain('msg--note');
    expect(bubble('m5').textContent).toContain('内部备注');
    // The note's author comes from the agents list.
    await waitFor(() => expect(bubble('m5').textContent).toContain('赵客服'));
    expect(within(bubble('m5')).queryByTestId('msg-status')).toBeNull();

    expect(within(bubble('m4')).getByTestId('msg-status').textContent).toBe('失败');
    const reason = within(bubble('m4')).getByTestId('msg-error').textContent ?? '';
    expect(reason).toContain('not allow to access from your ip');
    expect(reason).toContain('60020');
    expect(within(bubble('m4')).getByRole('button', { name: /重\s*试/ })).toBeTruthy();
    expect(within(bubble('m2')).queryByRole('button', { name: /重\s*试/ })).toBeNull();

    expect((bubble('m7').querySelector('img') as HTMLImageElement).getAttribute('src')).toBe('/api/media/mf-1');
    expect((bubble('m8').querySelector('img') as HTMLImageElement).getAttribute('src')).toBe('/api/media/mf-9');
    expect(bubble('m9').textContent).toContain('事件：enter_agent');
    const order = Array.from(document.querySelectorAll('[data-message-id]')).map((el) => el.getAttribute('data-message-id'));
    expect(order[0]).toBe('m9');
  });

  it('renders chat content inert: no script, no markup, only http(s) links clickable', async () => {
    mockFetch(routes(base));
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好，价格是多少？');

    const evil = bubble('m3');
    expect(evil.textContent).toContain('<script>alert(1)</script> <img src=x onerror=alert(1)> <b>bold</b> javascript:alert(1)');
    expect(evil.querySelector('script')).toBeNull();
    expect(evil.querySelector('img')).toBeNull();
    expect(evil.querySelector('b')).toBeNull();
    expect(document.querySelector('script')).toBeNull();
    const links = Array.from(evil.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['http://ok.example/x']);
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer');
    expect(links[0].getAttribute('target')).toBe('_blank');
    expect(document.querySelector('a[href^="javascript"]')).toBeNull();
    // Trailing punctuation stays outside the link.
    expect(within(bubble('m2')).getByRole('link').getAttribute('href')).toBe('https://example.com/price?a=1');
    // Agents do not get the retry button.
    expect(within(bubble('m4')).queryByRole('button', { name: /重\s*试/ })).toBeNull();
  });

  it('claims a queued chat (composer disabled until then) and shows a 409 with the server message', async () => {
    const queued = { ...base, state: 'queued' as const, assigneeId: null };
    const { calls } = mockFetch(
      routes(queued, [
        { method: 'POST', path: '/api/conversations/c-1/claim', status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'Already claimed by agent9', messageZh: '已被 agent9 接入' } },
      ]),
    );
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好，价格是多少？');
    expect(screen.getByTestId('conversation-state').getAttribute('data-state')).toBe('queued');
    expect(screen.getByTestId('desk-composer').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('composer-blocked').textContent).toContain('这个客户正在排队，接入后才能回复。');
    expect(screen.queryByTestId('desk-transfer')).toBeNull();

    fireEvent.click(screen.getByTestId('desk-claim'));
    expect(await screen.findByText('已被 agent9 接入')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/claim')).toBe(true);
  });

  it('claims successfully: state assigned to me, composer enabled', async () => {
    const queued = { ...base, state: 'queued' as const, assigneeId: null };
    mockFetch(routes(queued, [{ method: 'POST', path: '/api/conversations/c-1/claim', body: base }]));
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好，价格是多少？');
    fireEvent.click(screen.getByTestId('desk-claim'));
    await waitFor(() => expect(screen.getByTestId('conversation-state').getAttribute('data-state')).toBe('assigned'));
    expect(screen.getByTestId('desk-composer').hasAttribute('disabled')).toBe(false);
    expect(screen.getByTestId('conversation-assignee').textContent).toContain('我');
    expect(screen.queryByTestId('desk-claim')).toBeNull();
  });

  it('transfers to an agent picked with presence and load, and closes after confirming', async () => {
    const { calls } = mockFetch(
      routes(base, [
        { method: 'POST', path: '/api/conversations/c-1/transfer', body: { ...base, assigneeId: 'u-8' } },
        { method: 'POST', path: '/api/conversations/c-1/close', body: { ...base, state: 'closed' } },
      ]),
    );
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好，价格是多少？');

    fireEvent.click(screen.getByTestId('desk-transfer'));
    const combobox = await waitFor(() => {
      const el = document.querySelector('.ant-modal [role="combobox"]');
      if (!el) throw new Error('no picker yet');
      return el as HTMLElement;
    });
    fireEvent.mouseDown(combobox);
    const option = await waitFor(() => {
      const el = document.querySelector('[data-testid="agent-option"][data-agent="agent8"]');
      if (!el) throw new Error('no option yet');
      return el as HTMLElement;
    });
    expect(option.textContent).toContain('在线');
    expect(option.textContent).toContain('0 / 4 个会话');
    expect(document.querySelector('[data-agent="agent9"]')?.textContent).toContain('离开');
    fireEvent.click(option);
    fireEvent.click(screen.getByTestId('desk-transfer-confirm'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/transfer')).toBe(true));
    expect(calls.find((c) => c.path === '/api/conversations/c-1/transfer')!.body).toEqual({ userId: 'u-8' });
    expect(await screen.findByText('已转接给 钱客服')).toBeTruthy();

    fireEvent.click(screen.getByTestId('desk-close'));
    expect(await screen.findByText('结束这个会话？客户的下一条消息会重新交给机器人。')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/conversations/c-1/close')).toBe(false);
    fireEvent.click(screen.getByTestId('desk-close-confirm'));
    await waitFor(() => expect(screen.getByTestId('conversation-state').getAttribute('data-state')).toBe('closed'));
    expect(screen.queryByTestId('desk-close')).toBeNull();
  });

  it('appends live messages to the open chat and marks it read', async () => {
    const list = routes({ ...base, unreadCount: 2 }, [{ method: 'POST', path: '/api/conversations/c-1/read', status: 204 }]);
    const { calls } = mockFetch(list);
    const reads = () => calls.filter((c) => c.path === '/api/conversations/c-1/read').length;
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/conversations/c-1' });
    desk.connect();
    await screen.findByText('你好，价格是多少？');
    await waitFor(() => expect(reads()).toBeGreaterThanOrEqual(1));
    // From now on the server says the chat is read.
    list.find((r) => r.path === '/api/conversations/c-1')!.body = base;
    await waitFor(() => expect(screen.queryByTestId('conversation-state')).toBeTruthy());
    const before = reads();

    desk.emit({ type: 'message.created', conversationId: 'c-1', message: m({ id: 'm-live', text: '我还在等', createdAt: '2025-05-01T09:00:00.000Z' }) });
    expect(await screen.findByText('我还在等')).toBeTruthy();
    desk.emit({ type: 'conversation.updated', conversation: { ...base, unreadCount: 1 } });
    await waitFor(() => expect(reads()).toBe(before + 1));

    // Delivery status updates in place.
    desk.emit({ type: 'message.updated', conversationId: 'c-1', message: { ...messages[3], status: 'sent', error: null } });
    await waitFor(() => expect(within(bubble('m4')).getByTestId('msg-status').textContent).toBe('已发送'));
    expect(document.querySelectorAll('[data-message-id="m4"]')).toHaveLength(1);
  });

  it('pages back through older history when the newest page is full', async () => {
    const page = Array.from({ length: 200 }, (_, i) =>
      m({ id: `p${i}`, text: `第${i + 100}条`, createdAt: new Date(Date.UTC(2025, 4, 1, 9, 0, i)).toISOString() }),
    );
    const older = [m({ id: 'o1', text: '最早的一条', createdAt: '2025-05-01T07:00:00.000Z' })];
    const list = routes(base, [
      { path: /^\/api\/conversations\/c-1\/messages\?limit=200&before=p0$/, body: older },
      { path: /^\/api\/conversations\/c-1\/messages\?limit=200$/, body: page },
    ]);
    const { calls } = mockFetch(list);
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('第299条');
    expect(screen.queryByText('最早的一条')).toBeNull();
    fireEvent.click(await screen.findByTestId('desk-load-older'));
    expect(await screen.findByText('最早的一条')).toBeTruthy();
    expect(calls.some((c) => c.path.endsWith('before=p0'))).toBe(true);
    // A short page means the beginning of the chat: no more button.
    await waitFor(() => expect(screen.queryByTestId('desk-load-older')).toBeNull());
    const ids = [...document.querySelectorAll('[data-message-id]')].map((e) => e.getAttribute('data-message-id'));
    expect(ids[0]).toBe('o1');
    expect(ids).toHaveLength(201);
  });

  it('keeps the customer panel in step with the chat: live state, refetched counts', async () => {
    const { calls } = mockFetch(routes(base));
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/conversations/c-1' });
    desk.connect();
    const profile = await screen.findByTestId('contact-profile');
    await waitFor(() => expect(within(profile).getByTestId('profile-conversation').textContent).toContain('已分配'));
    const fetches = () => calls.filter((c) => c.path === '/api/contacts/ct-1').length;
    const before = fetches();
    desk.emit({ type: 'conversation.updated', conversation: { ...base, state: 'closed', lastMessageAt: '2025-05-01T09:30:00.000Z' } });
    await waitFor(() => expect(within(screen.getByTestId('contact-profile')).getByTestId('profile-conversation').textContent).toContain('已关闭'));
    await waitFor(() => expect(fetches()).toBe(before + 1));
  });
});
