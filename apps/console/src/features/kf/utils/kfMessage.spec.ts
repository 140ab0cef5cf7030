import { describe, expect, it } from 'vitest';
import type { MessageView } from '@imbridge/contracts';
import { translate } from '../../../i18n';
import { messageFixture } from '../../desk/testing/fakeDesk';
import { eventReplyKinds, isImportedHistory, isRecalled, kfEventText, servicerOf } from './kfMessage';

const zh = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('zh', key, vars);
const en = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', key, vars);
const event = (id: string, name: string, extra: Record<string, string> = {}): MessageView =>
  messageFixture({ id, type: 'event', text: null, content: { event: { name }, extra: { 'event.event_type': name, ...extra } } });
const out = (id: string, content: Record<string, unknown> | null): MessageView => messageFixture({ id, direction: 'out', status: 'sent', text: 'x', content });

describe('kf message helpers', () => {
  it('reads the servicer, recall and history markers', () => {
    expect(servicerOf(out('a', { extra: { from_servicer: '1', servicer_userid: 'zhangsan' } }))).toBe('zhangsan');
    expect(servicerOf(out('b', { extra: { from_servicer: '1' } }))).toBe('');
    expect(servicerOf(out('c', null))).toBeNull();
    expect(isRecalled(messageFixture({ id: 'd', content: { recalled: true } }))).toBe(true);
    expect(isRecalled(messageFixture({ id: 'e', content: { recalled: 'yes' } }))).toBe(false);
    expect(isImportedHistory(messageFixture({ id: 'f', content: { extra: { history: '1' } } }))).toBe(true);
    expect(isImportedHistory(messageFixture({ id: 'g' }))).toBe(false);
  });

  it('describes kf events in zh and en, and leaves other events to the generic label', () => {
    expect(kfEventText(event('1', 'enter_session'), zh)).toBe('客户进入会话');
    expect(kfEventText(event('2', 'enter_session', { 'event.scene': 'home' }), en)).toBe('The customer entered the chat (scene home)');
    expect(kfEventText(event('3', 'msg_send_fail', { 'event.fail_type': '4' }), zh)).toBe('消息发送失败：会话已过期（超过 48 小时）');
    expect(kfEventText(event('4', 'msg_send_fail', { 'event.fail_type': '99' }), en)).toBe('A message could not be delivered: fail_type 99');
    expect(kfEventText(event('5', 'session_status_change', { 'event.change_type': '4', 'event.new_servicer_userid': 'wang' }), zh)).toBe('接待人员 wang 重新接入会话');
    expect(kfEventText(event('6', 'session_status_change', { 'event.change_type': '9' }), zh)).toBe('会话状态变更');
    // Ended by a servicer in WeCom, or through the API (our desk closed it: no servicer named).
    expect(kfEventText(event('6b', 'session_status_change', { 'event.change_type': '3', 'event.old_servicer_userid': 'li' }), zh)).toBe('接待人员 li 结束会话');
    expect(kfEventText(event('6c', 'session_status_change', { 'event.change_type': '3', 'event.old_servicer_userid': '' }), zh)).toBe('企业微信会话已结束');
    expect(kfEventText(event('6d', 'session_status_change', { 'event.change_type': '3' }), en)).toBe('The WeCom session ended');
    expect(kfEventText(event('7', 'servicer_status_change', { servicer_userid: 'wang', 'event.status': '1' }), en)).toBe('Servicer wang is receiving');
    expect(kfEventText(event('8', 'user_recall_msg'), zh)).toBe('客户撤回了一条消息');
    expect(kfEventText(event('9', 'enter_agent'), zh)).toBeNull();
    expect(kfEventText(messageFixture({ id: '10' }), zh)).toBeNull();
  });

  it('tells welcome from end messages: declared kind first, else what came before', () => {
    const kinds = eventReplyKinds([
      event('e1', 'enter_session'),
      out('w', { type: 'text', text: '欢迎', eventCode: 'C1' }),
      messageFixture({ id: 'in1', text: '退货' }),
      out('plain', null),
      out('end', { type: 'text', text: '再见', eventCode: 'C2' }),
      out('declared', { type: 'text', text: '欢迎回来', eventCode: 'C3', eventKind: 'welcome' }),
      out('menu', { type: 'menu', items: [{ id: 'a', content: 'A' }], eventCode: 'C4' }),
    ]);
    expect(Object.fromEntries(kinds)).toEqual({ w: 'welcome', end: 'end', declared: 'welcome', menu: 'welcome' });
  });
});
