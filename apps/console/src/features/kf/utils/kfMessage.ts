import type { MessageView } from '@imbridge/contracts';
import type { MessageKey } from '../../../i18n';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null);
const obj = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** The kf fields the puller keeps on a stored message (`content.extra`, all strings; see wecom-kf.normalize.ts). */
export function kfExtra(message: MessageView): Record<string, unknown> {
  return obj(message.content?.extra) ?? {};
}

/** A message a WeCom servicer sent from the WeCom client (sync_msg origin 5): their userid, else null. */
export function servicerOf(message: MessageView): string | null {
  const extra = kfExtra(message);
  if (extra['from_servicer'] !== '1') return null;
  return str(extra['servicer_userid']) ?? '';
}

/** Recalled by the customer (user_recall_msg marks the message `content.recalled = true`). */
export const isRecalled = (message: MessageView): boolean => message.content?.recalled === true;

/** Imported from the last 3 days when the account was first pulled (historyOnSetup 'import'). */
export const isImportedHistory = (message: MessageView): boolean => kfExtra(message)['history'] === '1';

export type EventReplyKind = 'welcome' | 'end';

/**
 * Welcome / end messages are sent with kf/send_msg_on_event, and the stored outgoing message keeps
 * the event's code (`content.eventCode`). Which of the two it was: `content.eventKind` when the API
 * says so; otherwise a welcome answers the customer entering (the message before it, ours aside, is
 * an enter_session event) and an end message follows the chat being closed.
 */
export function eventReplyKinds(messages: MessageView[]): Map<string, EventReplyKind> {
  const kinds = new Map<string, EventReplyKind>();
  let lastTheirs: MessageView | null = null;
  for (const message of messages) {
    const content = message.content;
    if (message.direction === 'out' && content && str(content.eventCode)) {
      const declared = str(content.eventKind);
      const entered = lastTheirs?.type === 'event' && (str(obj(lastTheirs.content?.event)?.name) ?? str(kfExtra(lastTheirs)['event.event_type'])) === 'enter_session';
      kinds.set(message.id, declared === 'welcome' || declared === 'end' ? declared : entered || content.type === 'menu' ? 'welcome' : 'end');
    }
    if (message.direction === 'in') lastTheirs = message;
  }
  return kinds;
}

const FAIL_TYPES = new Set(['0', '1', '2', '4', '5', '6', '7', '8', '9', '10']);

/** The system line of a kf event message, or null when it is not a kf event (generic rendering then). */
export function kfEventText(message: MessageView, t: Translate): string | null {
  if (message.type !== 'event') return null;
  const extra = kfExtra(message);
  const name = str(obj(message.content?.event)?.name) ?? str(extra['event.event_type']);
  const e = (key: string) => str(extra[`event.${key}`]);
  switch (name) {
    case 'enter_session': {
      const scene = e('scene');
      const param = e('scene_param');
      if (scene && param) return t('kf.event.enterSceneParam', { scene, param });
      if (scene) return t('kf.event.enterScene', { scene });
      return t('kf.event.enter');
    }
    case 'msg_send_fail': {
      const failType = e('fail_type') ?? '0';
      const reason = FAIL_TYPES.has(failType) ? t(`kf.failType.${failType}` as MessageKey) : `fail_type ${failType}`;
      return t('kf.event.sendFail', { reason });
    }
    case 'session_status_change': {
      const change = e('change_type');
      const from = e('old_servicer_userid') || '—';
      const to = e('new_servicer_userid') || '—';
      // Ended without a servicer: the session was closed through the API (our desk), not by a person in WeCom.
      if (change === '3' && from === '—') return t('kf.event.session.3api');
      if (change === '1' || change === '2' || change === '3' || change === '4') return t(`kf.event.session.${change}`, { from, to });
      return t('kf.event.session.other');
    }
    case 'servicer_status_change': {
      const userid = str(extra['servicer_userid']) ?? e('servicer_userid') ?? '—';
      const status = e('status');
      return status === '1' || status === '2' ? t(`kf.event.servicer.${status}`, { userid }) : t('kf.event.servicer.other', { userid });
    }
    case 'user_recall_msg':
      return t('kf.event.userRecall');
    case 'servicer_recall_msg':
      return t('kf.event.servicerRecall');
    case 'reject_customer_msg_switch_change':
      return t('kf.event.rejectSwitch');
    default:
      return null;
  }
}
