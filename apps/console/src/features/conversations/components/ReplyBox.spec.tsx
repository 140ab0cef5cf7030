import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { ConversationView, ReplyWindowView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, need, renderDesk } from '../../desk/testing/fakeDesk';

const mine = conversationFixture({ id: 'c-1', state: 'assigned', assigneeId: agentUser.id, contact: { id: 'ct-1', externalId: 'zhangsan', displayName: '张三' } });
const openWindow: ReplyWindowView = { limited: true, open: true, closesAt: new Date(Date.now() + (3 * 60 + 20) * 60_000 + 30_000).toISOString(), remainingMessages: 4, reason: { zh: '微信客服：客户最后一条消息后 48 小时内最多 5 条', en: 'WeChat KF: 5 messages within 48 h' } };

const canned = [
  { id: 'r1', shortcut: 'hello', title: '问候', text: '您好，我是客服小李，请问有什么可以帮您？', updatedAt: '2025-05-01T00:00:00.000Z' },
  { id: 'r2', shortcut: 'price', title: '价格说明', text: '价格请参考官网 https://example.com/price', updatedAt: '2025-05-01T00:00:00.000Z' },
  { id: 'r3', shortcut: 'bye', title: '结束语', text: '感谢您的咨询，再见！', updatedAt: '2025-05-01T00:00:00.000Z' },
];

function routes(conversation: ConversationView, window: ReplyWindowView, extra: MockRoute[] = []): MockRoute[] {
  return [
    ...extra,
    { path: /^\/api\/conversations\?view=/, body: [] },
    { path: '/api/conversations/c-1', body: conversation },
    { path: /^\/api\/conversations\/c-1\/messages\?/, body: [messageFixture({ id: 'm1', text: '你好' })] },
    { path: '/api/conversations/c-1/reply-window', body: window },
    { path: '/api/canned-replies', body: canned },
    { path: '/api/desk/agents', body: [] },
    { path: '/api/contacts/ct-1', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'not found' } },
  ];
}

async function open(conversation = mine, window = openWindow, extra: MockRoute[] = []) {
  const mocked = mockFetch(routes(conversation, window, extra));
  renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
  await screen.findByText('你好');
  return { ...mocked, box: screen.getByTestId('desk-composer') as HTMLTextAreaElement };
}

describe('desk composer', () => {
  it('Enter sends a text reply, Shift+Enter does not; shows what the reply window leaves', async () => {
    const sent = messageFixture({ id: 'm-out', direction: 'out', text: '好的', status: 'queued', authorId: agentUser.id, createdAt: '2025-05-01T09:00:00.000Z' });
    const { calls, box } = await open(mine, openWindow, [{ method: 'POST', path: '/api/conversations/c-1/messages', status: 201, body: sent }]);

    const hint = await screen.findByTestId('reply-window');
    expect(hint.getAttribute('data-state')).toBe('open');
    expect(hint.textContent).toContain('回复窗口还剩 3 小时 20 分钟');
    expect(hint.textContent).toContain('客户回复前最多还能发送 4 条');

    fireEvent.change(box, { target: { value: '好的' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/messages')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ type: 'text', text: '好的' });
    await waitFor(() => expect(document.querySelector('[data-message-id="m-out"]')).toBeTruthy());
    expect(box.value).toBe('');
  });

  it('opens the canned replies with / at the start, filters, and inserts with arrows + Enter or a click', async () => {
    const { box, calls } = await open();
    fireEvent.change(box, { target: { value: '/' } });
    await waitFor(() => expect(screen.getAllByTestId('canned-option')).toHaveLength(3));
    expect(calls.filter((c) => c.path === '/api/canned-replies')).toHaveLength(1);

    fireEvent.change(box, { target: { value: '/pr' } });
    await waitFor(() => expect(screen.getAllByTestId('canned-option').map((o) => o.getAttribute('data-shortcut'))).toEqual(['price']));

    fireEvent.change(box, { target: { value: '/' } });
    await waitFor(() => expect(screen.getAllByTestId('canned-option')).toHaveLength(3));
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(screen.getAllByTestId('canned-option')[1].getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('价格请参考官网 https://example.com/price');
    expect(screen.queryByTestId('canned-picker')).toBeNull();
    // Enter that picked a reply did not send it.
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(box, { target: { value: '/by' } });
    fireEvent.mouseDown(await screen.findByText('/bye'));
    expect(box.value).toBe('感谢您的咨询，再见！');

    // Escape closes the list; '/' in the middle of a text does not open it.
    fireEvent.change(box, { target: { value: '/h' } });
    expect(await screen.findByTestId('canned-picker')).toBeTruthy();
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByTestId('canned-picker')).toBeNull();
    fireEvent.change(box, { target: { value: '请看 /hello' } });
    expect(screen.queryByTestId('canned-picker')).toBeNull();
  });

  it('note mode posts an internal note, shown yellow as 内部备注', async () => {
    const note = messageFixture({ id: 'n1', direction: 'note', text: '客户是 VIP', status: 'sent', authorId: agentUser.id, createdAt: '2025-05-01T09:00:00.000Z' });
    const { box, calls } = await open(mine, openWindow, [{ method: 'POST', path: '/api/conversations/c-1/notes', status: 201, body: note }]);
    fireEvent.click(screen.getByTestId('desk-note-toggle'));
    expect(box.getAttribute('data-mode')).toBe('note');
    expect(screen.getByTestId('desk-send').textContent).toContain('添加备注');
    fireEvent.change(box, { target: { value: '客户是 VIP' } });
    fireEvent.click(screen.getByTestId('desk-send'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/notes')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ text: '客户是 VIP' });
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/messages')).toBe(false);
    const bubble = await waitFor(() => need('[data-message-id="n1"]'));
    expect(bubble.getAttribute('data-direction')).toBe('note');
    expect(bubble.textContent).toContain('内部备注');
    expect(bubble.textContent).toContain('李客服');
  });

  it('a closed reply window disables sending with the reason; notes stay possible', async () => {
    const closed: ReplyWindowView = { limited: true, open: false, closesAt: null, remainingMessages: 0, reason: { zh: '客户 48 小时内没有发消息，微信客服不允许再回复', en: 'No customer message for 48 h' } };
    const { box } = await open(mine, closed);
    const hint = await screen.findByTestId('reply-window');
    expect(hint.getAttribute('data-state')).toBe('closed');
    expect(hint.textContent).toContain('回复窗口已关闭');
    expect(hint.textContent).toContain('客户 48 小时内没有发消息，微信客服不允许再回复');
    expect(box.hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-send').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-image').hasAttribute('disabled')).toBe(true);

    fireEvent.click(screen.getByTestId('desk-note-toggle'));
    expect(box.hasAttribute('disabled')).toBe(false);
    fireEvent.change(box, { target: { value: '已电话联系' } });
    expect(screen.getByTestId('desk-send').hasAttribute('disabled')).toBe(false);
  });

  it('微信客服: says when the 5-message quota is used up and disables sending until the customer replies', async () => {
    const recent = { ...mine, platform: 'wecom-kf' as const, lastInboundAt: new Date(Date.now() - 3_600_000).toISOString() };
    const lastOne: ReplyWindowView = { ...openWindow, remainingMessages: 1 };
    const sent = messageFixture({ id: 'm-5th', direction: 'out', text: '第五条', status: 'queued', authorId: agentUser.id, createdAt: '2025-05-01T09:00:00.000Z' });
    const list = routes(recent, lastOne, [
      { method: 'POST', path: '/api/conversations/c-1/messages', status: 201, body: sent },
      { path: '/api/conversations/c-1/kf-session', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'no' } },
    ]);
    mockFetch(list);
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByText('你好');
    const box = screen.getByTestId('desk-composer') as HTMLTextAreaElement;
    const hint = await screen.findByTestId('reply-window');
    expect(hint.textContent).toContain('客户回复前最多还能发送 1 条');

    // The server counts the fifth message: the window it reports next is closed with none left.
    list.find((r) => r.path === '/api/conversations/c-1/reply-window')!.body = {
      limited: true,
      open: false,
      closesAt: null,
      remainingMessages: 0,
      reason: { zh: '自客户最后一条消息以来已发送 5 条，达到平台上限 5 条；等待客户再次发消息', en: '5 messages were sent since the customer\'s last message' },
    } satisfies ReplyWindowView;
    fireEvent.change(box, { target: { value: '第五条' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('reply-window').getAttribute('data-state')).toBe('quota'));
    const closed = screen.getByTestId('reply-window');
    expect(closed.textContent).toContain('已用完 5 条额度，需等待客户回复');
    expect(closed.textContent).toContain('达到平台上限 5 条');
    expect(box.hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-send').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-image').hasAttribute('disabled')).toBe(true);
  });

  it('a window whose closing time has passed counts as closed before the server says so', async () => {
    const { box } = await open(mine, { ...openWindow, closesAt: new Date(Date.now() - 1000).toISOString() });
    const hint = await screen.findByTestId('reply-window');
    expect(hint.getAttribute('data-state')).toBe('closed');
    expect(box.hasAttribute('disabled')).toBe(true);
  });

  it('sends an image: raw upload with its Content-Type, then an image message', async () => {
    const sent = messageFixture({ id: 'm-img', direction: 'out', type: 'image', text: null, content: { mediaFileId: 'mf-7' }, status: 'queued', authorId: agentUser.id, createdAt: '2025-05-01T09:00:00.000Z' });
    const { calls, fetch } = await open(mine, openWindow, [
      { method: 'POST', path: /^\/api\/media\/upload/, status: 201, body: { id: 'mf-7', contentType: 'image/png', size: 4, fileName: 'shot.png' } },
      { method: 'POST', path: '/api/conversations/c-1/messages', status: 201, body: sent },
    ]);
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'shot.png', { type: 'image/png' });
    fireEvent.change(screen.getByTestId('desk-image-input'), { target: { files: [file] } });
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/messages')).toBe(true));
    const upload = fetch.mock.calls.find(([path]) => String(path).startsWith('/api/media/upload'))!;
    expect(upload[0]).toBe('/api/media/upload?fileName=shot.png');
    expect((upload[1] as RequestInit).body).toBe(file);
    expect(((upload[1] as RequestInit).headers as Record<string, string>)['Content-Type']).toBe('image/png');
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/conversations/c-1/messages')!.body).toEqual({ type: 'image', mediaId: 'mf-7' });
    await waitFor(() => expect(document.querySelector('[data-message-id="m-img"] img')?.getAttribute('src')).toBe('/api/media/mf-7'));
  });

  it('refuses a non-image file without uploading', async () => {
    const { calls } = await open();
    fireEvent.change(screen.getByTestId('desk-image-input'), { target: { files: [new File(['x'], 'a.txt', { type: 'text/plain' })] } });
    expect(await screen.findByText('只支持 PNG、JPEG、GIF 图片')).toBeTruthy();
    expect(calls.some((c) => c.path.startsWith('/api/media/upload'))).toBe(false);
  });

  it('a chat assigned to someone else cannot be answered, with the reason', async () => {
    const { box } = await open({ ...mine, assigneeId: 'u-9' });
    expect(box.hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('composer-blocked').textContent).toContain('处理，你不能回复');
    expect(screen.queryByTestId('desk-claim')).toBeNull();
  });
});
