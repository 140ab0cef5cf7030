import { randomInt } from 'node:crypto';
import { asObject, optionalString, requireString, type JsonObject } from '../core/control-input.util';
import { SimInputError } from '../core/sim-errors';
import { cdataElement, plainElement } from '../core/xml.util';
import type { WecomInboundEvent, WecomInboundMessage } from './wecom-sim.types';

/** Random decimal string of `length` digits, the first one non-zero. */
export function randomDigits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}

/** A MsgId like WeCom's: a 64-bit integer, here always 19 digits and below 2^63. */
export function randomMsgId(): string {
  let out = String(randomInt(1, 9));
  while (out.length < 19) out += String(randomInt(0, 10));
  return out;
}

export interface BuiltInboundXml {
  xml: string;
  /** MsgId, or for events `FromUserName + CreateTime` (the documented dedup key). */
  dedupKey: string;
  msgId?: string;
}

/**
 * The decrypted callback XML exactly as WeCom builds it for a self-built app (doc 90240/96467):
 * ToUserName = corpid, FromUserName, CreateTime, MsgType, type fields, MsgId (messages only),
 * AgentID (integer, no CDATA). Text values are CDATA; numbers are plain.
 */
export function buildInboundXml(corpId: string, defaultAgentId: number, message: WecomInboundMessage): BuiltInboundXml {
  const createTime = message.createTime ?? Math.floor(Date.now() / 1000);
  const agentId = message.agentId ?? defaultAgentId;
  const head =
    cdataElement('ToUserName', corpId) +
    cdataElement('FromUserName', message.fromUser) +
    plainElement('CreateTime', createTime) +
    cdataElement('MsgType', message.type);
  if (message.type === 'event') {
    let fields = cdataElement('Event', message.event);
    // enter_agent carries an (empty) EventKey; click/view carry the key/URL; (un)subscribe carry none.
    if (message.event === 'enter_agent' || message.event === 'click' || message.event === 'view' || message.eventKey !== undefined) {
      fields += cdataElement('EventKey', message.eventKey ?? '');
    }
    return {
      xml: `<xml>${head}${fields}${plainElement('AgentID', agentId)}</xml>`,
      dedupKey: `${message.fromUser}${createTime}`,
    };
  }
  const msgId = message.msgId ?? randomMsgId();
  let fields: string;
  let tail = '';
  switch (message.type) {
    case 'text':
      fields = cdataElement('Content', message.content);
      break;
    case 'image':
      fields = cdataElement('PicUrl', message.picUrl ?? `https://wework.qpic.cn/wwpic/${randomDigits(12)}_sim/0`) + cdataElement('MediaId', message.mediaId);
      break;
    case 'voice':
      fields = cdataElement('MediaId', message.mediaId) + cdataElement('Format', message.format ?? 'amr');
      break;
    case 'video':
      fields = cdataElement('MediaId', message.mediaId) + cdataElement('ThumbMediaId', message.thumbMediaId);
      break;
    case 'location':
      fields =
        plainElement('Location_X', message.x) +
        plainElement('Location_Y', message.y) +
        plainElement('Scale', message.scale) +
        cdataElement('Label', message.label);
      tail = cdataElement('AppType', 'wxwork');
      break;
    case 'link':
      fields =
        cdataElement('Title', message.title) +
        cdataElement('Description', message.description) +
        cdataElement('Url', message.url) +
        cdataElement('PicUrl', message.picUrl);
      break;
  }
  return {
    xml: `<xml>${head}${fields}${plainElement('MsgId', msgId)}${plainElement('AgentID', agentId)}${tail}</xml>`,
    dedupKey: msgId,
    msgId,
  };
}

const EVENTS: readonly WecomInboundEvent[] = ['enter_agent', 'subscribe', 'unsubscribe', 'click', 'view'];

function numberish(obj: JsonObject, key: string): number | string {
  const v = obj[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v;
  throw new SimInputError(`message.${key} must be a number`);
}

/** Validates an inbound message given as JSON (control API). Throws `SimInputError`. */
export function parseInboundMessage(value: unknown): WecomInboundMessage {
  const m = asObject(value, 'message');
  const base = {
    fromUser: requireString(m, 'fromUser', 'message.fromUser'),
    createTime: m['createTime'] === undefined ? undefined : Number(numberish(m, 'createTime')),
    agentId: m['agentId'] === undefined ? undefined : numberish(m, 'agentId'),
  };
  const msgId = optionalString(m, 'msgId', 'message.msgId');
  if (msgId !== undefined && !/^\d{1,20}$/.test(msgId)) throw new SimInputError('message.msgId must be a numeric string');
  const type = m['type'];
  switch (type) {
    case 'text': {
      const content = m['content'];
      if (typeof content !== 'string') throw new SimInputError('message.content must be a string');
      return { ...base, type, msgId, content };
    }
    case 'image':
      return { ...base, type, msgId, mediaId: requireString(m, 'mediaId', 'message.mediaId'), picUrl: optionalString(m, 'picUrl', 'message.picUrl') };
    case 'voice':
      return { ...base, type, msgId, mediaId: requireString(m, 'mediaId', 'message.mediaId'), format: optionalString(m, 'format', 'message.format') };
    case 'video':
      return {
        ...base,
        type,
        msgId,
        mediaId: requireString(m, 'mediaId', 'message.mediaId'),
        thumbMediaId: requireString(m, 'thumbMediaId', 'message.thumbMediaId'),
      };
    case 'location':
      return { ...base, type, msgId, x: numberish(m, 'x'), y: numberish(m, 'y'), scale: numberish(m, 'scale'), label: optionalString(m, 'label') ?? '' };
    case 'link':
      return {
        ...base,
        type,
        msgId,
        title: optionalString(m, 'title') ?? '',
        description: optionalString(m, 'description') ?? '',
        url: requireString(m, 'url', 'message.url'),
        picUrl: optionalString(m, 'picUrl') ?? '',
      };
    case 'event': {
      const event = m['event'];
      if (typeof event !== 'string' || !(EVENTS as readonly string[]).includes(event)) {
        throw new SimInputError(`message.event must be one of ${EVENTS.join(', ')}`);
      }
      return { ...base, type, event: event as WecomInboundEvent, eventKey: optionalString(m, 'eventKey', 'message.eventKey') };
    }
    default:
      throw new SimInputError('message.type must be one of text, image, voice, video, location, link, event');
  }
}
