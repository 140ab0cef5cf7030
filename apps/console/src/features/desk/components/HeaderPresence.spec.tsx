import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, renderDesk } from '../testing/fakeDesk';

const self = { id: agentUser.id, username: 'agent1', displayName: '李客服', role: 'agent', status: 'online', capacity: 5, activeChats: 1 };
const mineChat = conversationFixture({ id: 'c-m1', state: 'assigned', assigneeId: agentUser.id, unreadCount: 2, contact: { id: 'ct-2', externalId: 'lisi', displayName: '李四' } });

function routes(extra: MockRoute[] = []): MockRoute[] {
  return [
    ...extra,
    { path: /^\/api\/conversations\?view=mine/, body: [mineChat] },
    { path: /^\/api\/conversations\?view=/, body: [] },
    { path: '/api/desk/agents', body: [self] },
  ];
}

const presenceText = () => screen.getByTestId('presence-switch').textContent;

describe('header presence', () => {
  afterEach(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, value: false });
  });

  it('shows 离线 and a red dot while disconnected, then the chosen status; switching PUTs it', async () => {
    const { calls } = mockFetch(routes([{ method: 'PUT', path: '/api/desk/presence', body: { ...self, status: 'away' } }]));
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/canned-replies' });
    const dot = await screen.findByTestId('desk-connection');
    expect(dot.getAttribute('data-connected')).toBe('false');
    expect(presenceText()).toContain('离线');

    desk.connect();
    expect(screen.getByTestId('desk-connection').getAttribute('data-connected')).toBe('true');
    await waitFor(() => expect(presenceText()).toContain('在线'));
    // The unread total of my chats.
    expect((await screen.findByTestId('desk-unread-total')).textContent).toContain('2');

    fireEvent.mouseDown(screen.getByTestId('presence-switch').querySelector('.ant-select') ?? screen.getByRole('combobox'));
    const away = await waitFor(() => {
      const option = Array.from(document.querySelectorAll('.ant-select-item-option')).find((o) => o.textContent?.includes('离开'));
      if (!option) throw new Error('options not open yet');
      return option as HTMLElement;
    });
    fireEvent.click(away);
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && c.path === '/api/desk/presence')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ status: 'away' });
    await waitFor(() => expect(presenceText()).toContain('离开'));

    desk.disconnect();
    expect(presenceText()).toContain('离线');
    desk.connect();
    await waitFor(() => expect(presenceText()).toContain('离开'));
  });

  it('alerts (desktop notification while hidden) when a chat enters the queue or my customer writes', async () => {
    mockFetch(routes());
    const shown: { title: string; body?: string }[] = [];
    class FakeNotification {
      static permission = 'granted';
      static requestPermission = vi.fn(async () => 'granted');
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
      close() {
        /* nothing to close */
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/canned-replies' });
    await screen.findByTestId('desk-connection');
    desk.connect();
    await screen.findByTestId('desk-unread-total');
    Object.defineProperty(document, 'hidden', { configurable: true, value: true });

    const waiting = conversationFixture({ id: 'c-q9', queuedAt: new Date().toISOString(), contact: { id: 'ct-9', externalId: 'wangwu', displayName: '王五' } });
    desk.emit({ type: 'conversation.updated', conversation: waiting });
    expect(shown).toEqual([{ title: '有新的客户在排队', body: '王五' }]);
    // The same queued chat again (e.g. its last message changed) is not news; an old queued chat heard of for the first time neither.
    desk.emit({ type: 'conversation.updated', conversation: { ...waiting, lastMessagePreview: '还有人吗' } });
    desk.emit({ type: 'conversation.updated', conversation: conversationFixture({ id: 'c-old', queuedAt: '2020-01-01T00:00:00.000Z' }) });
    expect(shown).toHaveLength(1);
    // Back in the queue later (new queuedAt): news again.
    desk.emit({ type: 'conversation.updated', conversation: { ...waiting, queuedAt: new Date(Date.now() + 1000).toISOString() } });
    expect(shown).toHaveLength(2);

    desk.emit({ type: 'message.created', conversationId: 'c-m1', message: messageFixture({ id: 'm9', conversationId: 'c-m1', text: '<b>在吗</b>' }) });
    await waitFor(() => expect(shown).toHaveLength(3));
    expect(shown[2]).toEqual({ title: '李四 发来新消息', body: '<b>在吗</b>' });

    // Visible tab: no desktop notification.
    Object.defineProperty(document, 'hidden', { configurable: true, value: false });
    desk.emit({ type: 'message.created', conversationId: 'c-m1', message: messageFixture({ id: 'm10', conversationId: 'c-m1', text: '在吗？' }) });
    expect(shown).toHaveLength(3);
  });
});
