import type { InboundMessage, InboundMessageType } from '@imbridge/contracts';
import { wxXmlLink, wxXmlLocation, wxXmlMedia, xmlRequiredText, xmlText, XmlRejected, type CallbackContext, type CallbackHandler, type CallbackOutcome, type CallbackRequest, type InboundEvent, type XmlObject } from '@imbridge/platform-core';
import { openWecomCallback, readWecomInnerXml, WECOM_CALLBACK_ACK, wecomUrlVerification } from '@imbridge/platform-wecom-common';
import { readWecomConfig } from './wecom.descriptor';

const MESSAGE_TYPES: Record<string, InboundMessageType> = {
  text: 'text',
  image: 'image',
  voice: 'voice',
  video: 'video',
  file: 'file',
  location: 'location',
  link: 'link',
  event: 'event',
};

/**
 * WeCom self-built app callbacks (WXBizMsgCrypt, receiveid = CorpID).
 * GET: URL verification, answered with the decrypted echostr and nothing else.
 * POST: encrypted message/event, acknowledged with an empty 200 once stored.
 */
export class WecomCallbackHandler implements CallbackHandler {
  handle(req: CallbackRequest, ctx: CallbackContext): CallbackOutcome {
    const plain = openWecomCallback(req, ctx, readWecomConfig(ctx.config));
    if (req.method === 'GET') return wecomUrlVerification(plain);
    const event = readWecomInnerXml(plain, toInboundEvent);
    return { kind: 'events', events: [event], reply: WECOM_CALLBACK_ACK, diagnostic: event.message.type };
  }
}

/** Fields the message carries elsewhere (and the text between child elements): not copied into `extra`. */
const NOT_EXTRA: ReadonlySet<string> = new Set(['#text', 'Content', 'FromUserName', 'CreateTime', 'MsgType', 'MsgId']);

function toInboundEvent(x: XmlObject): InboundEvent {
  const from = xmlRequiredText(x, 'FromUserName');
  const createTime = xmlRequiredText(x, 'CreateTime');
  const msgType = xmlRequiredText(x, 'MsgType');
  // CreateTime is in seconds; 10 digits reach the year 2286 (more would make an invalid Date).
  if (from === '' || !/^\d{1,10}$/.test(createTime)) throw new XmlRejected('FromUserName/CreateTime invalid');
  const msgId = xmlText(x, 'MsgId');
  // Own keys only: a MsgType of "constructor" or "__proto__" must not find Object.prototype members.
  const type = Object.hasOwn(MESSAGE_TYPES, msgType) ? MESSAGE_TYPES[msgType] : 'unknown';

  const message: InboundMessage = {
    type,
    sender: { externalId: from },
    sentAt: new Date(Number(createTime) * 1000).toISOString(),
  };
  if (msgId) message.platformMessageId = msgId;

  switch (type) {
    case 'text':
      message.text = xmlText(x, 'Content') ?? '';
      break;
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const media = wxXmlMedia(x);
      if (media) message.media = media;
      break;
    }
    case 'location':
      message.location = wxXmlLocation(x);
      break;
    case 'link':
      message.link = wxXmlLink(x);
      break;
    case 'event':
      message.event = { name: xmlText(x, 'Event') ?? '', key: xmlText(x, 'EventKey') };
      break;
    case 'unknown':
      break;
  }

  // Everything else the platform sent, as strings, for later features (AgentID, PicUrl, …).
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) {
    if (typeof v === 'string' && !NOT_EXTRA.has(k)) extra[k] = v;
  }
  if (Object.keys(extra).length > 0) message.extra = extra;

  // Messages carry MsgId; events have none, so WeCom's documented key is FromUserName + CreateTime
  // (the event name and key are added so two different events in one second stay distinct).
  const dedupeKey = msgId
    ? `msg:${msgId}`
    : `event:${from}:${createTime}:${message.event?.name ?? msgType}:${message.event?.key ?? ''}`;
  return { dedupeKey: dedupeKey.slice(0, 255), conversationKey: from, message };
}
