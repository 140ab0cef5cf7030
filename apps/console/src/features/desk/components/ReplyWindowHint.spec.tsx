import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import type { ReplyWindowView } from '@imbridge/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentUser } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, renderDesk } from '../testing/fakeDesk';
import { ReplyWindowHint } from './ReplyWindowHint';

const passive: ReplyWindowView = {
  limited: true,
  open: true,
  closesAt: null,
  remainingMessages: null,
  reason: { zh: '未认证的订阅号没有客服消息接口：回复会在用户下次发消息时作为被动回复送达', en: 'Unverified subscription accounts have no customer-service API: replies go out with the user’s next message' },
  deliveredOnNextMessage: true,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('ReplyWindowHint', () => {
  it('explains that a passive 公众号 hands replies out with the user’s next message (zh and en)', () => {
    const { unmount } = renderWithProviders(<ReplyWindowHint window={passive} />);
    const hint = screen.getByTestId('reply-window');
    expect(hint.getAttribute('data-state')).toBe('next-message');
    expect(hint.textContent).toContain('回复将在用户下次发消息时送达');
    expect(hint.textContent).toContain('未认证的订阅号没有客服消息接口');
    unmount();
    renderWithProviders(<ReplyWindowHint window={passive} />, { lang: 'en' });
    expect(screen.getByTestId('reply-window').textContent).toContain("Delivered with the user's next message");
    expect(screen.getByTestId('reply-window').textContent).toContain('Unverified subscription accounts have no customer-service API');
  });

  it('counts a 公众号 window in messages and time like 微信客服', () => {
    const closesAt = new Date(Date.now() + 47 * 3_600_000 + 30 * 60_000).toISOString();
    renderWithProviders(<ReplyWindowHint window={{ limited: true, open: true, closesAt, remainingMessages: 5, reason: { zh: '公众号客服消息：48 小时内最多 5 条', en: 'Official Account: 5 messages within 48 h' } }} />);
    const hint = screen.getByTestId('reply-window');
    expect(hint.textContent).toContain('回复窗口还剩 1 天 23 小时');
    expect(hint.textContent).toContain('客户回复前最多还能发送 5 条');
    expect(hint.getAttribute('data-short')).toBeNull();
  });

  it('counts a 1-minute window (after a menu click or scan) down in seconds with its closing time', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('2026-11-21T10:00:00.000Z'));
    const closesAt = '2026-11-21T10:01:00.000Z';
    renderWithProviders(<ReplyWindowHint window={{ limited: true, open: true, closesAt, remainingMessages: 3, reason: null }} />, { lang: 'en' });
    const hint = screen.getByTestId('reply-window');
    expect(hint.getAttribute('data-short')).toBe('true');
    expect(hint.textContent).toContain('Reply window: 1:00 left (closes at');
    expect(hint.textContent).toContain('3 more messages');
    act(() => {
      vi.advanceTimersByTime(15_000);
    });
    expect(screen.getByTestId('reply-window').textContent).toContain('0:45 left');
  });
});

describe('desk composer for a passive 公众号', () => {
  it('stays enabled and sends; the hint says when the answer arrives', async () => {
    const mine = conversationFixture({ id: 'c-1', platform: 'mp', state: 'assigned', assigneeId: agentUser.id, contact: { id: 'ct-1', externalId: 'oUSER1', displayName: '张三' } });
    const held = messageFixture({ id: 'm-held', direction: 'out', text: '好的，稍等', status: 'held', authorId: agentUser.id, createdAt: '2025-05-01T09:00:00.000Z' });
    const { calls } = mockFetch([
      { path: /^\/api\/conversations\?view=/, body: [] },
      { path: '/api/conversations/c-1', body: mine },
      { path: /^\/api\/conversations\/c-1\/messages\?/, body: [messageFixture({ id: 'm1', text: '你好' })] },
      { path: '/api/conversations/c-1/reply-window', body: passive },
      { path: '/api/canned-replies', body: [] },
      { path: '/api/desk/agents', body: [] },
      { path: '/api/contacts/ct-1', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'not found' } },
      { method: 'POST', path: '/api/conversations/c-1/messages', status: 201, body: held },
    ]);
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好');
    const hint = await screen.findByTestId('reply-window');
    expect(hint.getAttribute('data-state')).toBe('next-message');
    const box = screen.getByTestId('desk-composer') as HTMLTextAreaElement;
    expect(box.hasAttribute('disabled')).toBe(false);
    fireEvent.change(box, { target: { value: '好的，稍等' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/messages')).toBe(true));
    const bubble = await waitFor(() => {
      const found = document.querySelector('[data-message-id="m-held"]');
      if (!found) throw new Error('not yet');
      return found as HTMLElement;
    });
    expect(bubble.textContent).toContain('待用户下次发消息时送达');
  });
});

describe('ReplyWindowHint quota title', () => {
  it('names the limit the server gives (a 公众号 event window allows 3), 5 without one', () => {
    const closed = (maxMessages?: number): ReplyWindowView => ({
      limited: true,
      open: false,
      closedBy: 'quota',
      closesAt: null,
      remainingMessages: 0,
      ...(maxMessages !== undefined ? { maxMessages } : {}),
      reason: { zh: '已达上限', en: 'limit reached' },
    });
    const { unmount } = renderWithProviders(<ReplyWindowHint window={closed(3)} />);
    expect(screen.getByTestId('reply-window').textContent).toContain('3 条');
    unmount();
    renderWithProviders(<ReplyWindowHint window={closed()} />);
    expect(screen.getByTestId('reply-window').textContent).toContain('5 条');
  });
});
