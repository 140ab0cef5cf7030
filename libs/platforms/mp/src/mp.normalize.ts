import type { InboundMessage, InboundMessageType } from '@imbridge/contracts';
import { CallbackRejected, wxXmlLink, wxXmlLocation, wxXmlMedia, xmlRequiredText, xmlText, XmlRejected, type InboundEvent, type XmlObject } from '@imbridge/platform-core';

const MESSAGE_TYPES: Readonly<Record<string, InboundMessageType>> = {
  text: 'text',
  image: 'image',
  voice: 'voice',
  video: 'video',
  // 小视频: a video as far as the desk is concerned; extra.MsgType keeps the difference.
  shortvideo: 'video',
  location: 'location',
  link: 'link',
  event: 'event',
};

/** The prefix of a subscribe event's EventKey when the user subscribed by scanning a parameterized QR code. */
export const MP_QR_SCENE_PREFIX = 'qrscene_';

/** Fields with a place of their own in InboundMessage, so not repeated in `extra`. */
const NOT_EXTRA = new Set(['#text', 'Content', 'FromUserName', 'CreateTime', 'MsgId']);

/**
 * The dedupe key of a callback (§2.1, §9.2): messages by `MsgId`; events, which have none, by the
 * documented FromUserName + CreateTime, with the event name and key (or TEMPLATESENDJOBFINISH's MsgID)
 * so that two different events in one second stay distinct while a re-delivery keeps its key.
 */
export function mpDedupeKey(x: XmlObject): string {
  const msgId = xmlText(x, 'MsgId');
  const from = xmlText(x, 'FromUserName') ?? '';
  const createTime = xmlText(x, 'CreateTime') ?? '';
  if (msgId) return `msg:${msgId}`.slice(0, 255);
  const msgType = xmlText(x, 'MsgType') ?? '';
  if (msgType !== 'event') return `msg:${from}:${createTime}:${msgType}`.slice(0, 255);
  const name = xmlText(x, 'Event') ?? '';
  const key = xmlText(x, 'EventKey') ?? xmlText(x, 'MsgID') ?? '';
  return `event:${from}:${createTime}:${name}:${key}`.slice(0, 255);
}

/**
 * A 公众号 message or event (plain XML, or the decrypted inner XML) as the shared InboundMessage.
 * MP specifics go to `extra` as strings: every other text field as sent (ToUserName, PicUrl, MsgType,
 * Ticket, Status, MenuId, Precision …), plus `scene` for a QR-code subscribe/SCAN.
 * Voice messages get `text` = WeChat's speech recognition (`Recognition`) when it sent one.
 */
export function normalizeMpXml(x: XmlObject): InboundEvent {
  const from = xmlRequiredText(x, 'FromUserName');
  const createTime = xmlRequiredText(x, 'CreateTime');
  const msgType = xmlRequiredText(x, 'MsgType');
  // CreateTime is in seconds; 10 digits reach the year 2286 (more would make an invalid Date).
  if (from === '' || !/^\d{1,10}$/.test(createTime)) throw new XmlRejected('FromUserName/CreateTime invalid');
  const msgId = xmlText(x, 'MsgId');
  // Own keys only: a MsgType of "constructor" must not find Object.prototype members.
  const type = Object.hasOwn(MESSAGE_TYPES, msgType) ? MESSAGE_TYPES[msgType] : 'unknown';

  const message: InboundMessage = { type, sender: { externalId: from }, sentAt: new Date(Number(createTime) * 1000).toISOString() };
  if (msgId) message.platformMessageId = msgId;
  const extra: Record<string, string> = {};

  switch (type) {
    case 'text':
      message.text = xmlText(x, 'Content') ?? '';
      break;
    case 'image':
    case 'voice':
    case 'video': {
      const media = wxXmlMedia(x);
      if (media) message.media = media;
      const recognition = type === 'voice' ? xmlText(x, 'Recognition') : undefined;
      if (recognition) message.text = recognition;
      break;
    }
    case 'location':
      message.location = wxXmlLocation(x);
      break;
    case 'link':
      message.link = wxXmlLink(x);
      break;
    case 'event': {
      const name = xmlText(x, 'Event') ?? '';
      const key = xmlText(x, 'EventKey');
      message.event = { name, ...optional('key', key) };
      // Event names are case-sensitive as documented: subscribe/unsubscribe lower, SCAN/CLICK/VIEW/LOCATION upper.
      if (name === 'subscribe' && key?.startsWith(MP_QR_SCENE_PREFIX)) extra['scene'] = key.slice(MP_QR_SCENE_PREFIX.length);
      if (name === 'SCAN' && key !== undefined) extra['scene'] = key;
      if (name === 'LOCATION') {
        message.location = { latitude: xmlText(x, 'Latitude') ?? '', longitude: xmlText(x, 'Longitude') ?? '' };
      }
      break;
    }
    case 'file':
    case 'unknown':
      break;
  }

  for (const [k, v] of Object.entries(x)) {
    if (typeof v === 'string' && !NOT_EXTRA.has(k) && !Object.hasOwn(extra, k)) extra[k] = v;
  }
  if (Object.keys(extra).length > 0) message.extra = extra;
  return { dedupeKey: mpDedupeKey(x), conversationKey: from, message };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** normalizeMpXml for the callback handler: XML problems become malformed-body rejections. */
export function normalizeMpCallbackXml(x: XmlObject): InboundEvent {
  try {
    return normalizeMpXml(x);
  } catch (err) {
    if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', `inner: ${err.message}`);
    throw err;
  }
}
