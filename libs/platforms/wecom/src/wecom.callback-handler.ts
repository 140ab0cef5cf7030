import {
  CryptoError,
  decodeEncodingAesKey,
  wxDecryptFor,
  wxVerifySignature,
} from '@imbridge/crypto';
import type { InboundMessage, InboundMessageType } from '@imbridge/contracts';
import {
  assertFreshTimestamp,
  CallbackRejected,
  parseSafeXml,
  xmlRequiredText,
  xmlRoot,
  xmlText,
  XmlRejected,
  type CallbackContext,
  type CallbackHandler,
  type CallbackOutcome,
  type CallbackRequest,
  type InboundEvent,
  type XmlObject,
} from '@imbridge/platform-core';
import { readWecomConfig } from './wecom.descriptor';

const EMPTY_OK = { status: 200, contentType: 'text/plain; charset=utf-8', body: '' };

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
    const cfg = readWecomConfig(ctx.config);
    const { msg_signature: signature, timestamp, nonce } = req.query;
    if (!signature || !timestamp || !nonce) throw new CallbackRejected('missing-parameters');

    let encrypt: string;
    if (req.method === 'GET') {
      const echostr = req.query['echostr'];
      if (!echostr) throw new CallbackRejected('missing-parameters', 'echostr');
      encrypt = echostr;
    } else {
      encrypt = this.envelopeEncrypt(req.rawBody);
    }

    // Verify before decrypting or reading anything inside.
    if (!wxVerifySignature(cfg.token, timestamp, nonce, encrypt, signature)) {
      throw new CallbackRejected('signature-mismatch');
    }
    assertFreshTimestamp(timestamp, ctx);
    const plain = this.decrypt(cfg.encodingAesKey, encrypt, cfg.corpId);

    if (req.method === 'GET') {
      return { kind: 'reply', reply: { ...EMPTY_OK, body: plain.toString('utf8') }, diagnostic: 'url-verification' };
    }
    const event = this.normalize(plain);
    return { kind: 'events', events: [event], reply: EMPTY_OK, diagnostic: event.message.type };
  }

  private envelopeEncrypt(rawBody: Buffer): string {
    try {
      const root = xmlRoot(parseSafeXml(rawBody));
      return xmlRequiredText(root, 'Encrypt');
    } catch (err) {
      if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', err.message);
      throw err;
    }
  }

  private decrypt(encodingAesKey: string, encrypt: string, corpId: string): Buffer {
    try {
      return wxDecryptFor(decodeEncodingAesKey(encodingAesKey), encrypt, corpId);
    } catch (err) {
      if (err instanceof CryptoError) {
        throw new CallbackRejected(err.code === 'RECEIVE_ID_MISMATCH' ? 'receive-id-mismatch' : 'decrypt-failed', err.code);
      }
      throw err;
    }
  }

  private normalize(plain: Buffer): InboundEvent {
    let root: XmlObject;
    try {
      root = xmlRoot(parseSafeXml(plain));
    } catch (err) {
      if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', `inner: ${err.message}`);
      throw err;
    }
    try {
      return toInboundEvent(root);
    } catch (err) {
      if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', `inner: ${err.message}`);
      throw err;
    }
  }
}

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
      const mediaId = xmlText(x, 'MediaId');
      if (mediaId) {
        message.media = { mediaId };
        const format = xmlText(x, 'Format');
        const thumb = xmlText(x, 'ThumbMediaId');
        if (format) message.media.format = format;
        if (thumb) message.media.thumbMediaId = thumb;
      }
      break;
    }
    case 'location':
      message.location = {
        latitude: xmlText(x, 'Location_X') ?? '',
        longitude: xmlText(x, 'Location_Y') ?? '',
        scale: xmlText(x, 'Scale'),
        label: xmlText(x, 'Label'),
      };
      break;
    case 'link':
      message.link = {
        title: xmlText(x, 'Title'),
        description: xmlText(x, 'Description'),
        url: xmlText(x, 'Url'),
        picUrl: xmlText(x, 'PicUrl'),
      };
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
    if (typeof v === 'string' && k !== '#text' && !['Content', 'FromUserName', 'CreateTime', 'MsgType', 'MsgId'].includes(k)) {
      extra[k] = v;
    }
  }
  if (Object.keys(extra).length > 0) message.extra = extra;

  // Messages carry MsgId; events have none, so WeCom's documented key is FromUserName + CreateTime
  // (the event name and key are added so two different events in one second stay distinct).
  const dedupeKey = msgId
    ? `msg:${msgId}`
    : `event:${from}:${createTime}:${message.event?.name ?? msgType}:${message.event?.key ?? ''}`;
  return { dedupeKey: dedupeKey.slice(0, 255), conversationKey: from, message };
}
