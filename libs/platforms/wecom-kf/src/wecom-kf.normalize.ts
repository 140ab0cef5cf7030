import type { InboundMessage, InboundMessageType } from '@imbridge/contracts';
import type { InboundEvent } from '@imbridge/platform-core';
import type { KfRawMessage } from './wecom-kf.api';

/** sync_msg `origin` (doc 94670): who produced the message. */
export const KF_ORIGIN = { customer: 3, system: 4, servicer: 5 } as const;

/** msg_send_fail fail_type (doc 94670), for showing why an outbound message failed. */
export const KF_FAIL_TYPES: Record<number, { zh: string; en: string }> = {
  0: { zh: '未知原因', en: 'unknown reason' },
  1: { zh: '客服账号已删除', en: 'the kf account was deleted' },
  2: { zh: '应用已关闭', en: 'the app was closed' },
  4: { zh: '会话已过期（超过 48 小时）', en: 'the session expired (over 48 h)' },
  5: { zh: '会话已关闭', en: 'the session was closed' },
  6: { zh: '超过 5 条消息限制', en: 'over the 5-message limit' },
  7: { zh: '未绑定视频号', en: 'no Channels account bound' },
  8: { zh: '主体未验证', en: 'the subject is not verified' },
  9: { zh: '未绑定视频号且主体未验证', en: 'no Channels account bound and subject not verified' },
  10: { zh: '用户拒收', en: 'the customer refuses messages' },
};

export class KfMessageInvalid extends Error {
  constructor(detail: string) {
    super(`invalid kf message: ${detail}`);
    this.name = 'KfMessageInvalid';
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Copies the scalar fields of `source` into `extra` as `<prefix><key>`; nested objects are skipped. */
function flatten(extra: Record<string, string>, source: Record<string, unknown>, prefix: string, skip: string[] = []): void {
  for (const [k, v] of Object.entries(source)) {
    if (skip.includes(k)) continue;
    const s = str(v);
    if (s !== undefined) extra[`${prefix}${k}`] = s;
    else if (typeof v === 'boolean') extra[`${prefix}${k}`] = v ? '1' : '0';
  }
}

const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file']);

/**
 * Maps one sync_msg entry to the shared message model. The kf specifics go to `extra` (strings):
 * `msgid`, `msgtype`, `origin` (3 customer, 4 system, 5 servicer from the WeCom client),
 * `open_kfid`, `external_userid`, `servicer_userid`, and the type's own fields (`menu_id`,
 * `business_card.userid`, `miniprogram.appid` …, `event.*`). `extra.from_servicer === '1'` marks
 * origin 5: shown as the servicer's message and never answered by the bot.
 * The sender is always the customer (external_userid) so the message lands in the customer's
 * conversation; for servicer status events (no customer) it is the servicer.
 */
export function normalizeKfMessage(raw: KfRawMessage): InboundMessage {
  const msgid = str(raw['msgid']);
  const msgtype = str(raw['msgtype']);
  const sendTime = raw['send_time'];
  if (!msgid || msgid.length > 128) throw new KfMessageInvalid('msgid');
  if (!msgtype) throw new KfMessageInvalid('msgtype');
  if (typeof sendTime !== 'number' || !Number.isInteger(sendTime) || sendTime < 0 || sendTime > 9_999_999_999) {
    throw new KfMessageInvalid('send_time');
  }
  const origin = typeof raw['origin'] === 'number' ? raw['origin'] : undefined;
  const event = msgtype === 'event' ? obj(raw['event']) : undefined;
  // For events, open_kfid / external_userid are inside `event`.
  const openKfId = str(raw['open_kfid']) ?? str(event?.['open_kfid']);
  const externalUserId = str(raw['external_userid']) ?? str(event?.['external_userid']);
  const servicerUserId = str(raw['servicer_userid']) ?? str(event?.['servicer_userid']);

  const extra: Record<string, string> = { msgid, msgtype };
  if (origin !== undefined) extra['origin'] = String(origin);
  if (openKfId) extra['open_kfid'] = openKfId;
  if (externalUserId) extra['external_userid'] = externalUserId;
  if (servicerUserId) extra['servicer_userid'] = servicerUserId;
  if (origin === KF_ORIGIN.servicer) extra['from_servicer'] = '1';

  const senderId = externalUserId ?? servicerUserId;
  if (!senderId) throw new KfMessageInvalid('external_userid');

  let type: InboundMessageType = 'unknown';
  const message: InboundMessage = {
    type,
    platformMessageId: msgid,
    sender: { externalId: senderId },
    sentAt: new Date(sendTime * 1000).toISOString(),
  };
  const body = obj(raw[msgtype]);

  if (msgtype === 'text') {
    type = 'text';
    message.text = str(body['content']) ?? '';
    // A click on a msgmenu option arrives as text with the option's id.
    const menuId = str(body['menu_id']);
    if (menuId) extra['menu_id'] = menuId;
  } else if (MEDIA_TYPES.has(msgtype)) {
    type = msgtype as InboundMessageType;
    const mediaId = str(body['media_id']);
    if (mediaId) message.media = { mediaId };
  } else if (msgtype === 'location') {
    type = 'location';
    message.location = {
      latitude: str(body['latitude']) ?? '',
      longitude: str(body['longitude']) ?? '',
      ...(str(body['name']) !== undefined ? { label: str(body['name']) } : {}),
    };
    flatten(extra, body, 'location.', ['latitude', 'longitude']);
  } else if (msgtype === 'link') {
    type = 'link';
    message.link = { title: str(body['title']), description: str(body['desc']), url: str(body['url']), picUrl: str(body['pic_url']) };
  } else if (msgtype === 'event') {
    type = 'event';
    const eventType = str(event?.['event_type']) ?? '';
    message.event = { name: eventType };
    flatten(extra, event ?? {}, 'event.', ['open_kfid', 'external_userid', 'servicer_userid']);
    // wechat_channels (enter_session from a Channels page) is nested: keep its scalars too.
    const channels = obj(event?.['wechat_channels']);
    flatten(extra, channels, 'event.wechat_channels.');
    if (eventType === 'msg_send_fail') {
      const failType = Number(event?.['fail_type']);
      const reason = KF_FAIL_TYPES[failType];
      if (reason) extra['event.fail_reason'] = reason.en;
    }
  } else {
    // business_card, miniprogram, msgmenu, channels_shop_product, merged_msg, channels, meeting,
    // schedule, note …: no shared shape; the desk shows them from extra.
    flatten(extra, body, `${msgtype}.`);
  }
  message.type = type;
  message.extra = extra;
  return message;
}

/**
 * The inbox event for one sync_msg entry. Dedupe on `kf:msg:<open_kfid>:<msgid>` (msgid is unique
 * per kf account); conversation = `<open_kfid>:<external_userid>`, so messages of one customer on
 * one account are processed in order.
 */
export function toKfInboundEvent(raw: KfRawMessage): InboundEvent {
  const message = normalizeKfMessage(raw);
  const extra = message.extra ?? {};
  const openKfId = extra['open_kfid'] ?? '';
  const peer = extra['external_userid'] ?? `servicer:${extra['servicer_userid'] ?? ''}`;
  return {
    dedupeKey: `kf:msg:${openKfId}:${extra['msgid'] ?? ''}`.slice(0, 255),
    conversationKey: `${openKfId}:${peer}`,
    message,
  };
}
