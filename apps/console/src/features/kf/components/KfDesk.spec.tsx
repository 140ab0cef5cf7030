import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ConversationView, KfSessionView, MessageView, ReplyWindowView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { conversationFixture, FakeDesk, messageFixture, renderDesk } from '../../desk/testing/fakeDesk';

const m = (over: Partial<MessageView> & { id: string }) => messageFixture({ conversationId: 'c-1', ...over });
const kfEvent = (id: string, name: string, extra: Record<string, string>, createdAt: string) =>
  m({ id, type: 'event', text: null, content: { event: { name }, extra: { msgtype: 'event', origin: '4', 'event.event_type': name, ...extra } }, createdAt });

const messages: MessageView[] = [
  m({ id: 'h1', text: '上周的订单到了吗', content: { extra: { origin: '3', history: '1' } }, createdAt: '2025-05-01T07:00:00.000Z' }),
  kfEvent('e1', 'enter_session', { 'event.scene': 'poster_2026', 'event.scene_param': 'order-1001' }, '2025-05-01T08:00:00.000Z'),
  m({
    id: 'w1',
    direction: 'out',
    type: 'menu',
    text: '您好，请选择：\n退货\n报修',
    status: 'sent',
    content: { type: 'menu', head: '您好，请选择：', items: [{ id: 'return', content: '退货' }, { id: 'repair', content: '报修' }], eventCode: 'WELCOME_CODE' },
    createdAt: '2025-05-01T08:00:01.000Z',
  }),
  m({ id: 'm1', text: '我要退货', createdAt: '2025-05-01T08:01:00.000Z' }),
  m({ id: 'r1', text: '发错了', content: { recalled: true, extra: { origin: '3' } }, createdAt: '2025-05-01T08:01:30.000Z' }),
  kfEvent('e2', 'user_recall_msg', { 'event.recall_msgid': 'msg-r1' }, '2025-05-01T08:01:40.000Z'),
  m({ id: 'f1', direction: 'out', text: '请提供订单号', status: 'failed', error: { code: 'REJECTED', platformCode: 'fail_type_6', message: '超过 5 条消息限制 / over the 5-message limit' }, createdAt: '2025-05-01T08:02:00.000Z' }),
  kfEvent('e3', 'msg_send_fail', { 'event.fail_msgid': 'msg-f1', 'event.fail_type': '6' }, '2025-05-01T08:02:05.000Z'),
  kfEvent('e4', 'session_status_change', { 'event.change_type': '1', 'event.new_servicer_userid': 'zhangsan' }, '2025-05-01T08:03:00.000Z'),
  m({ id: 's1', direction: 'out', text: '我是张三，帮您处理退货', status: 'sent', content: { extra: { origin: '5', from_servicer: '1', servicer_userid: 'zhangsan' } }, createdAt: '2025-05-01T08:03:10.000Z' }),
  kfEvent('e5', 'session_status_change', { 'event.change_type': '2', 'event.old_servicer_userid': 'zhangsan', 'event.new_servicer_userid': 'lisi' }, '2025-05-01T08:04:00.000Z'),
  kfEvent('e6', 'servicer_status_change', { servicer_userid: 'lisi', 'event.status': '2' }, '2025-05-01T08:05:00.000Z'),
  kfEvent('e7', 'session_status_change', { 'event.change_type': '3', 'event.old_servicer_userid': 'lisi' }, '2025-05-01T08:06:00.000Z'),
  m({ id: 'x1', direction: 'out', text: '感谢咨询，再见', status: 'sent', content: { type: 'text', text: '感谢咨询，再见', eventCode: 'END_CODE' }, createdAt: '2025-05-01T08:06:01.000Z' }),
];

const contact = { id: 'ct-1', externalId: 'wkAFT002:wmCustomer1', displayName: '客户甲' };
const handledInWecom = conversationFixture({ id: 'c-1', platform: 'wecom-kf', state: 'assigned', assigneeId: null, externalServicer: 'zhangsan', contact });
const session: KfSessionView = {
  openKfId: 'wkAFT002',
  externalUserId: 'wmCustomer1',
  serviceState: 3,
  servicerUserId: 'zhangsan',
  desiredState: 3,
  syncedAt: '2025-05-01T08:03:00.000Z',
  lastError: null,
};
const unlimited: ReplyWindowView = { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null };

function routes(conversation: ConversationView, kf: KfSessionView | { status: number; body: unknown } = session, window: ReplyWindowView = unlimited, extra: MockRoute[] = []): MockRoute[] {
  return [
    ...extra,
    { path: /^\/api\/conversations\?view=/, body: [] },
    { path: '/api/conversations/c-1', body: conversation },
    { path: /^\/api\/conversations\/c-1\/messages\?limit=\d+$/, body: messages },
    { path: '/api/conversations/c-1/reply-window', body: window },
    'status' in kf ? { path: '/api/conversations/c-1/kf-session', status: kf.status, body: kf.body } : { path: '/api/conversations/c-1/kf-session', body: kf },
    { path: '/api/desk/agents', body: [] },
    { path: '/api/contacts/ct-1', body: { id: 'ct-1', integrationId: 'int-1', externalId: contact.externalId, displayName: '客户甲', firstSeenAt: '2025-04-01T08:00:00.000Z', messageCount: 12, conversations: [conversation] } },
  ];
}

const item = (id: string) => document.querySelector(`[data-message-id="${id}"]`) as HTMLElement;

describe('微信客服 chats in the desk', () => {
  it('labels servicer messages, kf events, recalls, imported history, welcome/end messages and failure reasons', async () => {
    mockFetch(routes(handledInWecom));
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    expect(await screen.findByText('我要退货')).toBeTruthy();

    // A WeCom servicer's message is theirs, not the bot's.
    expect(item('s1').getAttribute('data-direction')).toBe('out');
    expect(within(item('s1')).getByTestId('msg-servicer').textContent).toBe('企业微信接待人员 zhangsan');
    expect(item('s1').textContent).not.toContain('机器人');
    expect(item('w1').textContent).toContain('机器人');

    expect(item('e1').getAttribute('data-testid')).toBe('msg-event');
    expect(item('e1').textContent).toContain('客户进入会话（场景 poster_2026，参数 order-1001）');
    expect(item('e2').textContent).toContain('客户撤回了一条消息');
    expect(item('e3').textContent).toContain('消息发送失败：超过 5 条消息限制');
    expect(item('e4').textContent).toContain('接待人员 zhangsan 接入会话');
    expect(item('e5').textContent).toContain('会话由 zhangsan 转接给接待人员 lisi');
    expect(item('e6').textContent).toContain('接待人员 lisi 停止接待');
    expect(item('e7').textContent).toContain('接待人员 lisi 结束会话');

    expect(within(item('r1')).getByTestId('msg-recalled').textContent).toBe('已撤回');
    expect(item('r1').getAttribute('data-recalled')).toBe('true');
    expect((item('r1').querySelector('.msg__bubble') as HTMLElement).style.textDecoration).toBe('line-through');
    expect(within(item('m1')).queryByTestId('msg-recalled')).toBeNull();

    expect(within(item('h1')).getByTestId('msg-history').textContent).toBe('历史消息');
    expect(within(item('m1')).queryByTestId('msg-history')).toBeNull();

    expect(within(item('w1')).getByTestId('msg-event-reply').textContent).toBe('欢迎语');
    const menu = within(item('w1')).getByTestId('msg-menu');
    expect(menu.textContent).toContain('您好，请选择：');
    expect(Array.from(menu.querySelectorAll('li')).map((li) => li.textContent)).toEqual(['退货', '报修']);
    expect(within(item('x1')).getByTestId('msg-event-reply').textContent).toBe('结束语');
    expect(within(item('s1')).queryByTestId('msg-event-reply')).toBeNull();

    expect(within(item('f1')).getByTestId('msg-error').textContent).toContain('超过 5 条消息限制 / over the 5-message limit (REJECTED / fail_type_6)');
  });

  it('is read-only while a WeCom servicer answers it: banner, no send, no claim or transfer; notes still allowed', async () => {
    mockFetch(routes(handledInWecom));
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    expect((await screen.findByTestId('kf-external-servicer')).textContent).toContain('该会话正由企业微信接待人员 zhangsan 在企业微信客户端接待，此处只读');
    expect(screen.getByTestId('composer-blocked').textContent).toContain('该会话由企业微信接待人员 zhangsan 接待，控制台不能发送消息。');
    expect(screen.getByTestId('desk-composer').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-send').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('desk-image').hasAttribute('disabled')).toBe(true);
    expect(screen.queryByTestId('desk-claim')).toBeNull();
    expect(screen.queryByTestId('desk-transfer')).toBeNull();

    fireEvent.click(screen.getByTestId('desk-note-toggle'));
    expect(screen.getByTestId('desk-composer').hasAttribute('disabled')).toBe(false);
  });

  it('becomes writable again when WeCom ends the servicer’s session (live update)', async () => {
    mockFetch(routes(handledInWecom));
    const desk = new FakeDesk();
    renderDesk({ user: adminUser, desk, route: '/conversations/c-1' });
    desk.connect();
    await screen.findByTestId('kf-external-servicer');
    desk.emit({ type: 'conversation.updated', conversation: { ...handledInWecom, state: 'queued', externalServicer: null } });
    await waitFor(() => expect(screen.queryByTestId('kf-external-servicer')).toBeNull());
    expect(screen.getByTestId('desk-claim')).toBeTruthy();
  });

  it('shows the platform session state in the customer panel, the last sync error, and refreshes it when the chat changes', async () => {
    const withError: KfSessionView = {
      ...session,
      serviceState: 1,
      servicerUserId: null,
      desiredState: 3,
      lastError: { code: 'PLATFORM_ERROR', platformCode: '95014', message: 'servicer not activated', messageZh: '接待人员未激活或未在接待' },
    };
    const list = routes({ ...handledInWecom, externalServicer: null, state: 'queued' }, withError);
    const { calls } = mockFetch(list);
    const desk = new FakeDesk();
    renderDesk({ user: agentUser, desk, route: '/conversations/c-1' });
    desk.connect();
    const panel = await screen.findByTestId('kf-session');
    await waitFor(() => expect(within(panel).getByTestId('kf-session-state').textContent).toBe('智能助手接待'));
    expect(within(panel).getByTestId('kf-session-desired').textContent).toContain('由人工接待');
    const error = within(panel).getByTestId('kf-session-last-error');
    expect(error.textContent).toContain('同步失败 (PLATFORM_ERROR / 95014)');
    expect(error.textContent).toContain('接待人员未激活或未在接待');

    const fetches = () => calls.filter((c) => c.path === '/api/conversations/c-1/kf-session').length;
    const before = fetches();
    list.find((r) => r.path === '/api/conversations/c-1/kf-session')!.body = session;
    desk.emit({ type: 'conversation.updated', conversation: handledInWecom });
    await waitFor(() => expect(fetches()).toBe(before + 1));
    await waitFor(() => expect(within(screen.getByTestId('kf-session')).getByTestId('kf-session-state').textContent).toBe('由人工接待'));
    expect(within(screen.getByTestId('kf-session')).queryByTestId('kf-session-last-error')).toBeNull();
    expect(screen.getByTestId('kf-session').textContent).toContain('zhangsan');
  });

  it('says so when the session state cannot be loaded, and asks for none on other platforms', async () => {
    mockFetch(routes(handledInWecom, { status: 500, body: { statusCode: 500, code: 'INTERNAL', message: 'boom', messageZh: '服务器错误' } }));
    const first = renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    expect((await screen.findByTestId('kf-session-error')).textContent).toContain('无法加载微信客服会话状态');
    first.unmount();

    const { calls } = mockFetch(routes({ ...handledInWecom, platform: 'wecom', externalServicer: null }));
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/conversations/c-1' });
    await screen.findByTestId('contact-profile');
    expect(screen.queryByTestId('kf-session')).toBeNull();
    expect(calls.some((c) => c.path.endsWith('/kf-session'))).toBe(false);
  });

  it('renders in English', async () => {
    mockFetch(routes(handledInWecom));
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/conversations/c-1', lang: 'en' });
    expect((await screen.findByTestId('kf-external-servicer')).textContent).toContain('WeCom servicer zhangsan is answering this chat in the WeCom client; it is read-only here');
    await screen.findByText('我要退货');
    expect(within(item('s1')).getByTestId('msg-servicer').textContent).toBe('WeCom servicer zhangsan');
    expect(item('e1').textContent).toContain('The customer entered the chat (scene poster_2026, parameter order-1001)');
    expect(item('e5').textContent).toContain('The chat was transferred from zhangsan to servicer lisi');
    expect(within(item('r1')).getByTestId('msg-recalled').textContent).toBe('Recalled');
    expect(within(item('h1')).getByTestId('msg-history').textContent).toBe('Imported history');
    expect(within(item('w1')).getByTestId('msg-event-reply').textContent).toBe('Welcome message');
    await waitFor(() => expect(within(screen.getByTestId('kf-session')).getByTestId('kf-session-state').textContent).toBe('WeCom servicer handling'));
  });
});
