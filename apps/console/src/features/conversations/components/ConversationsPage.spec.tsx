import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, renderDesk } from '../../desk/testing/fakeDesk';

const queued = conversationFixture({ id: 'c-q1', contact: { id: 'ct-1', externalId: 'zhangsan', displayName: '张三' } });
const mineChat = conversationFixture({
  id: 'c-m1',
  state: 'assigned',
  assigneeId: agentUser.id,
  contact: { id: 'ct-2', externalId: 'lisi', displayName: '李四' },
  lastMessageAt: '2025-05-01T08:10:00.000Z',
});

function routes(): MockRoute[] {
  return [
    { path: /^\/api\/conversations\?view=queue/, body: [queued] },
    { path: /^\/api\/conversations\?view=mine/, body: [mineChat] },
    { path: /^\/api\/conversations\?view=all/, body: [queued, mineChat] },
    { path: '/api/desk/agents', body: [] },
  ];
}

const rows = () => screen.queryAllByTestId('conversation-item');
const row = (contact: string) => document.querySelector(`[data-testid="conversation-item"][data-contact="${contact}"]`) as HTMLElement | null;

describe('agent desk list', () => {
  it('shows the queue and my chats as tabs (no "all" for agents) with waiting time and state', async () => {
    mockFetch(routes());
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk });

    expect(await screen.findByTestId('desk-tab-queue')).toBeTruthy();
    expect(screen.getByTestId('desk-tab-mine')).toBeTruthy();
    expect(screen.queryByTestId('desk-tab-all')).toBeNull();
    await waitFor(() => expect(row('zhangsan')).toBeTruthy());
    expect(row('zhangsan')!.getAttribute('data-state')).toBe('queued');
    expect(row('zhangsan')!.textContent).toContain('张三');
    expect(row('zhangsan')!.textContent).toContain('已等待');
    expect(row('zhangsan')!.textContent).toContain('企业微信');

    fireEvent.click(screen.getByTestId('desk-tab-mine'));
    await waitFor(() => expect(row('lisi')).toBeTruthy());
    expect(row('zhangsan')).toBeNull();
  });

  it('admins get the "all" tab (English shell)', async () => {
    const { calls } = mockFetch(routes());
    const desk = new FakeDesk();
    renderDesk({ user: adminUser, desk, lang: 'en' });
    expect((await screen.findByTestId('desk-tab-queue')).textContent).toContain('Queue');
    expect(screen.getByTestId('desk-tab-mine').textContent).toContain('My chats');
    expect(screen.getByTestId('desk-tab-all').textContent).toContain('All chats');
    fireEvent.click(screen.getByTestId('desk-tab-all'));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(calls.some((c) => c.path.startsWith('/api/conversations?view=all'))).toBe(true);
  });

  it('an agent an admin granted every chat gets the "all" tab too', async () => {
    const { calls } = mockFetch(routes());
    renderDesk({ user: { ...agentUser, canViewAllChats: true }, desk: new FakeDesk() });
    fireEvent.click(await screen.findByTestId('desk-tab-all'));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(calls.some((c) => c.path.startsWith('/api/conversations?view=all'))).toBe(true);
  });

  it('moves rows between tabs on live conversation.updated events and counts unread on message.created', async () => {
    mockFetch(routes());
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk });
    await waitFor(() => expect(row('zhangsan')).toBeTruthy());
    desk.connect();

    // A new customer enters the queue.
    const newcomer = conversationFixture({ id: 'c-q2', contact: { id: 'ct-3', externalId: 'wangwu', displayName: null }, queuedAt: '2025-05-01T08:05:00.000Z' });
    desk.emit({ type: 'conversation.updated', conversation: newcomer });
    await waitFor(() => expect(row('wangwu')).toBeTruthy());
    // Longest waiting first.
    expect(rows().map((r) => r.getAttribute('data-contact'))).toEqual(['zhangsan', 'wangwu']);

    // zhangsan is assigned to me: leaves the queue, shows up in my chats.
    desk.emit({ type: 'conversation.updated', conversation: { ...queued, state: 'assigned', assigneeId: agentUser.id } });
    await waitFor(() => expect(row('zhangsan')).toBeNull());
    fireEvent.click(screen.getByTestId('desk-tab-mine'));
    await waitFor(() => expect(row('zhangsan')?.getAttribute('data-state')).toBe('assigned'));

    // A customer message in one of my chats that is not open: unread badge and new preview.
    expect(within(row('lisi')!).queryByTestId('unread-badge')).toBeNull();
    desk.emit({
      type: 'message.created',
      conversationId: 'c-m1',
      message: messageFixture({ id: 'm-new', conversationId: 'c-m1', text: '还在吗？', createdAt: '2025-05-01T09:00:00.000Z' }),
    });
    await waitFor(() => expect(within(row('lisi')!).getByTestId('unread-badge').textContent).toBe('1'));
    expect(row('lisi')!.textContent).toContain('还在吗？');
    // The newest activity is on top now.
    expect(rows()[0].getAttribute('data-contact')).toBe('lisi');

    // The server's own update (same message) does not count it twice.
    desk.emit({
      type: 'conversation.updated',
      conversation: { ...mineChat, unreadCount: 1, lastMessageAt: '2025-05-01T09:00:00.000Z', lastMessagePreview: '还在吗？' },
    });
    desk.emit({
      type: 'message.created',
      conversationId: 'c-m1',
      message: messageFixture({ id: 'm-new', conversationId: 'c-m1', text: '还在吗？', createdAt: '2025-05-01T09:00:00.000Z' }),
    });
    expect(within(row('lisi')!).getByTestId('unread-badge').textContent).toBe('1');

    // Transferred away from me: gone from my chats.
    desk.emit({ type: 'conversation.updated', conversation: { ...mineChat, assigneeId: 'someone-else' } });
    await waitFor(() => expect(row('lisi')).toBeNull());
  });

  it('polls only while disconnected and refetches on reconnect', async () => {
    // Only intervals are faked: the polling timer; everything else runs for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const list = routes();
      const { calls } = mockFetch(list);
      const queueCalls = () => calls.filter((c) => c.path.startsWith('/api/conversations?view=queue')).length;
      const desk = new FakeDesk();
      renderDesk({ user: agentUser, desk });
      await waitFor(() => expect(row('zhangsan')).toBeTruthy());
      desk.connect();
      await waitFor(() => expect(queueCalls()).toBe(2)); // first load + the refetch on connect
      vi.advanceTimersByTime(15_000);
      expect(queueCalls()).toBe(2);

      desk.disconnect();
      expect(await screen.findByText(/实时连接已断开，每 5 秒自动刷新/)).toBeTruthy();
      expect(screen.getByTestId('desk-connection').getAttribute('data-connected')).toBe('false');
      vi.advanceTimersByTime(5_000);
      await waitFor(() => expect(queueCalls()).toBe(3));
      vi.advanceTimersByTime(5_000);
      await waitFor(() => expect(queueCalls()).toBe(4));

      // Something happened while we were away; the reconnect brings it, and polling stops.
      list[0].body = [queued, conversationFixture({ id: 'c-q3', contact: { id: 'ct-9', externalId: 'zhaoliu', displayName: null } })];
      desk.connect();
      await waitFor(() => expect(row('zhaoliu')).toBeTruthy());
      expect(queueCalls()).toBe(5);
      expect(screen.getByTestId('desk-connection').getAttribute('data-connected')).toBe('true');
      expect(screen.queryByText(/实时连接已断开/)).toBeNull();
      vi.advanceTimersByTime(15_000);
      expect(queueCalls()).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('opens a chat from the list beside it, and /conversations/:id works as a deep link', async () => {
    mockFetch([
      ...routes(),
      { path: '/api/conversations/c-q1', body: queued },
      { path: /^\/api\/conversations\/c-q1\/messages\?/, body: [messageFixture({ id: 'm1', conversationId: 'c-q1', text: '转人工' })] },
      { path: '/api/conversations/c-q1/reply-window', body: { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null } },
      { path: '/api/contacts/ct-1', body: { id: 'ct-1', integrationId: 'int-1', externalId: 'zhangsan', displayName: '张三', firstSeenAt: '2025-04-01T08:00:00.000Z', messageCount: 12, conversations: [queued] } },
    ]);
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/conversations/c-q1' });
    expect(await screen.findByTestId('conversation-pane')).toBeTruthy();
    await waitFor(() => expect(row('zhangsan')).toBeTruthy());
    expect(row('zhangsan')!.getAttribute('aria-current')).toBe('true');
    expect(screen.getByTestId('conversation-state').getAttribute('data-state')).toBe('queued');
    expect(await screen.findByTestId('contact-profile')).toBeTruthy();
    expect(screen.getByTestId('contact-profile').textContent).toContain('12');
  });
});
