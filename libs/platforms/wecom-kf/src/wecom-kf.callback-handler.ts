import type { InboundMessage } from '@imbridge/contracts';
import { xmlRequiredText, xmlText, XmlRejected, type CallbackContext, type CallbackHandler, type CallbackOutcome, type CallbackRequest, type InboundEvent, type XmlObject } from '@imbridge/platform-core';
import { openWecomCallback, readWecomInnerXml, WECOM_CALLBACK_ACK, wecomUrlVerification } from '@imbridge/platform-wecom-common';
import { readWecomKfConfig } from './wecom-kf.descriptor';

/** The event name of the "there are new messages, pull them" notification. */
export const KF_NOTIFY_EVENT = 'kf_msg_or_event';

/** "Pull needed": what the API does with a kf callback (no message content in it). */
export interface KfNotify {
  kind: 'kf-notify';
  openKfId: string;
  /** sync_msg token, valid 10 minutes. */
  token: string;
  /** Seconds. */
  createTime: number;
}

/**
 * The notification has no id. WeCom retries a notification with the same plaintext, so
 * `kf:notify:<OpenKfId>:<Token>:<CreateTime>` is stable across those retries. Token alone would be
 * enough if every notification got a fresh token, but the docs do not promise that (a token is
 * "valid 10 minutes"); CreateTime keeps two real notifications apart. Getting this wrong the safe
 * way only costs an extra pull (pulls are idempotent: stored cursor, unique msgid); the unsafe way
 * would drop a pull until the periodic one.
 */
export function kfNotifyDedupeKey(n: Pick<KfNotify, 'openKfId' | 'token' | 'createTime'>): string {
  return `kf:notify:${n.openKfId}:${n.token}:${n.createTime}`.slice(0, 255);
}

/** Reads a kf notification out of an inbox event made by this handler; undefined for anything else. */
export function kfNotifyFromEvent(message: InboundMessage): KfNotify | undefined {
  if (message.type !== 'event' || message.event?.name !== KF_NOTIFY_EVENT) return undefined;
  const openKfId = message.extra?.['OpenKfId'];
  const token = message.extra?.['Token'];
  if (!openKfId || !token) return undefined;
  return { kind: 'kf-notify', openKfId, token, createTime: Math.floor(Date.parse(message.sentAt) / 1000) };
}

/**
 * 微信客服 callbacks (WXBizMsgCrypt, receiveid = CorpID).
 * GET: URL verification, answered with the decrypted echostr and nothing else.
 * POST: `kf_msg_or_event` notification, stored as one inbox event (type 'event', name
 * `kf_msg_or_event`, extra OpenKfId/Token) and acknowledged with an empty 200; the API turns it
 * into a sync_msg pull (see `kfNotifyFromEvent`). Other events of the same app pass through as
 * plain events.
 */
export class WecomKfCallbackHandler implements CallbackHandler {
  handle(req: CallbackRequest, ctx: CallbackContext): CallbackOutcome {
    const plain = openWecomCallback(req, ctx, readWecomKfConfig(ctx.config));
    if (req.method === 'GET') return wecomUrlVerification(plain);
    const event = readWecomInnerXml(plain, toInboundEvent);
    return { kind: 'events', events: [event], reply: WECOM_CALLBACK_ACK, diagnostic: event.message.event?.name ?? event.message.type };
  }
}

/** Parses the decrypted notification; throws XmlRejected when a kf notification lacks its fields. */
export function parseKfNotification(x: XmlObject): KfNotify | undefined {
  if (xmlText(x, 'Event') !== KF_NOTIFY_EVENT) return undefined;
  const token = xmlRequiredText(x, 'Token');
  const openKfId = xmlRequiredText(x, 'OpenKfId');
  const createTime = xmlRequiredText(x, 'CreateTime');
  // Token ≤ 128 B per doc; OpenKfId is short. Bounded so a key made from them stays sane.
  if (!/^[\x21-\x7e]{1,128}$/.test(token) || !/^[\x21-\x7e]{1,64}$/.test(openKfId)) throw new XmlRejected('Token/OpenKfId invalid');
  if (!/^\d{1,10}$/.test(createTime)) throw new XmlRejected('CreateTime invalid');
  return { kind: 'kf-notify', openKfId, token, createTime: Number(createTime) };
}

function toInboundEvent(x: XmlObject): InboundEvent {
  const notify = parseKfNotification(x);
  if (notify) {
    return {
      dedupeKey: kfNotifyDedupeKey(notify),
      // One queue per kf account: pulls of one account are serialized.
      conversationKey: `kf:${notify.openKfId}`,
      message: {
        type: 'event',
        sender: { externalId: xmlText(x, 'ToUserName') ?? '' },
        sentAt: new Date(notify.createTime * 1000).toISOString(),
        event: { name: KF_NOTIFY_EVENT },
        extra: { OpenKfId: notify.openKfId, Token: notify.token },
      },
    };
  }
  // Another event of the same app (the kf app may also get contact events): pass it through.
  const createTime = xmlRequiredText(x, 'CreateTime');
  if (!/^\d{1,10}$/.test(createTime)) throw new XmlRejected('CreateTime invalid');
  const from = xmlText(x, 'FromUserName') ?? xmlText(x, 'ToUserName') ?? '';
  const name = xmlText(x, 'Event') ?? xmlText(x, 'MsgType') ?? '';
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string' && k !== '#text') extra[k] = v;
  return {
    dedupeKey: `event:${from}:${createTime}:${name}`.slice(0, 255),
    conversationKey: from,
    message: { type: 'event', sender: { externalId: from }, sentAt: new Date(Number(createTime) * 1000).toISOString(), event: { name }, extra },
  };
}
