import { asObject, optionalString, requireString, type JsonObject } from '../core/control-input.util';
import { SimInputError } from '../core/sim-errors';
import { cdataElement, plainElement } from '../core/xml.util';
import { randomDigits, randomMsgId } from '../wecom/wecom-inbound-xml.builder';
import type { MpInboundEventName, MpInboundMessage, MpTriggerKind } from './mp-sim.types';

export { randomDigits };

export interface BuiltMpXml {
  xml: string;
  /** MsgId, or for events FromUserName + CreateTime. */
  dedupKey: string;
  msgId?: string;
}

/**
 * The plaintext callback XML as the MP platform builds it (wecom-mp.md §9.2): ToUserName = the
 * account's original id (gh_…), FromUserName = openid, CreateTime, MsgType, type fields, MsgId for
 * messages. Text values are CDATA, numbers plain.
 */
export function buildMpInboundXml(originalId: string, openId: string, message: MpInboundMessage, nowSeconds: number): BuiltMpXml {
  const createTime = message.createTime ?? nowSeconds;
  const head = cdataElement('ToUserName', originalId) + cdataElement('FromUserName', openId) + plainElement('CreateTime', createTime) + cdataElement('MsgType', message.type);
  if (message.type === 'event') {
    let fields = cdataElement('Event', message.event);
    if (message.event === 'TEMPLATESENDJOBFINISH') {
      fields += plainElement('MsgID', message.templateMsgId ?? '0') + cdataElement('Status', message.status ?? 'success');
    } else if (message.event === 'LOCATION') {
      fields +=
        plainElement('Latitude', message.latitude ?? 0) + plainElement('Longitude', message.longitude ?? 0) + plainElement('Precision', message.precision ?? 0);
    } else if (message.eventKey !== undefined || message.event === 'CLICK' || message.event === 'VIEW' || message.event === 'SCAN') {
      fields += cdataElement('EventKey', message.eventKey ?? '');
    }
    if (message.ticket !== undefined) fields += cdataElement('Ticket', message.ticket);
    if (message.menuId !== undefined) fields += plainElement('MenuId', message.menuId);
    return { xml: `<xml>${head}${fields}</xml>`, dedupKey: `${openId}${createTime}` };
  }
  const msgId = message.msgId ?? randomMsgId();
  let fields: string;
  switch (message.type) {
    case 'text':
      fields = cdataElement('Content', message.content);
      break;
    case 'image':
      fields = cdataElement('PicUrl', message.picUrl ?? `http://mmbiz.qpic.cn/mmbiz_jpg/sim${randomDigits(12)}/0`) + cdataElement('MediaId', message.mediaId);
      break;
    case 'voice':
      fields = cdataElement('MediaId', message.mediaId) + cdataElement('Format', message.format ?? 'amr');
      if (message.recognition !== undefined) fields += cdataElement('Recognition', message.recognition);
      break;
    case 'video':
    case 'shortvideo':
      fields = cdataElement('MediaId', message.mediaId) + cdataElement('ThumbMediaId', message.thumbMediaId);
      break;
    case 'location':
      fields = plainElement('Location_X', message.x) + plainElement('Location_Y', message.y) + plainElement('Scale', message.scale) + cdataElement('Label', message.label);
      break;
    case 'link':
      fields = cdataElement('Title', message.title) + cdataElement('Description', message.description) + cdataElement('Url', message.url);
      break;
  }
  return { xml: `<xml>${head}${fields}${plainElement('MsgId', msgId)}</xml>`, dedupKey: msgId, msgId };
}

/** Which custom/send quota a user action opens (none for unsubscribe, VIEW, LOCATION). */
export function triggerOf(message: MpInboundMessage): MpTriggerKind | undefined {
  if (message.type !== 'event') return 'message';
  switch (message.event) {
    case 'subscribe':
      return 'subscribe';
    case 'CLICK':
      return 'click';
    case 'SCAN':
      return 'scan';
    case 'unsubscribe':
    case 'VIEW':
    case 'LOCATION':
    case 'TEMPLATESENDJOBFINISH':
      return undefined;
  }
}

/**
 * Events the user does not see fail: no "service unavailable" line after them [U], and
 * TEMPLATESENDJOBFINISH is not a user action at all (no transcript line).
 */
export function isSilentEvent(message: MpInboundMessage): boolean {
  return message.type === 'event' && ['unsubscribe', 'VIEW', 'LOCATION', 'TEMPLATESENDJOBFINISH'].includes(message.event);
}

/** One-line summary for transcripts. */
export function describeInbound(message: MpInboundMessage): string {
  switch (message.type) {
    case 'text':
      return message.content;
    case 'image':
    case 'voice':
    case 'video':
    case 'shortvideo':
      return `[${message.type} ${message.mediaId}]`;
    case 'location':
      return `[location ${message.label}]`;
    case 'link':
      return `[link ${message.title} ${message.url}]`;
    case 'event':
      return `[event ${message.event}${message.eventKey ? ` ${message.eventKey}` : ''}]`;
  }
}

const EVENTS: readonly MpInboundEventName[] = ['subscribe', 'unsubscribe', 'SCAN', 'CLICK', 'VIEW', 'LOCATION', 'TEMPLATESENDJOBFINISH'];

function numberish(obj: JsonObject, key: string): number | string {
  const v = obj[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v;
  throw new SimInputError(`message.${key} must be a number`);
}

/** Validates an inbound message given as JSON (control API). Throws `SimInputError`. */
export function parseMpInboundMessage(value: unknown): MpInboundMessage {
  const m = asObject(value, 'message');
  const createTime = m['createTime'] === undefined ? undefined : Number(numberish(m, 'createTime'));
  const msgId = optionalString(m, 'msgId', 'message.msgId');
  if (msgId !== undefined && !/^\d{1,20}$/.test(msgId)) throw new SimInputError('message.msgId must be a numeric string');
  const base = { createTime, msgId };
  const type = m['type'];
  switch (type) {
    case 'text': {
      const content = m['content'];
      if (typeof content !== 'string') throw new SimInputError('message.content must be a string');
      return { ...base, type, content };
    }
    case 'image':
      return { ...base, type, mediaId: requireString(m, 'mediaId', 'message.mediaId'), picUrl: optionalString(m, 'picUrl', 'message.picUrl') };
    case 'voice':
      return {
        ...base,
        type,
        mediaId: requireString(m, 'mediaId', 'message.mediaId'),
        format: optionalString(m, 'format', 'message.format'),
        recognition: optionalString(m, 'recognition', 'message.recognition'),
      };
    case 'video':
    case 'shortvideo':
      return { ...base, type, mediaId: requireString(m, 'mediaId', 'message.mediaId'), thumbMediaId: requireString(m, 'thumbMediaId', 'message.thumbMediaId') };
    case 'location':
      return { ...base, type, x: numberish(m, 'x'), y: numberish(m, 'y'), scale: numberish(m, 'scale'), label: optionalString(m, 'label') ?? '' };
    case 'link':
      return {
        ...base,
        type,
        title: optionalString(m, 'title') ?? '',
        description: optionalString(m, 'description') ?? '',
        url: requireString(m, 'url', 'message.url'),
      };
    case 'event': {
      const event = m['event'];
      if (typeof event !== 'string' || !(EVENTS as readonly string[]).includes(event)) {
        throw new SimInputError(`message.event must be one of ${EVENTS.join(', ')}`);
      }
      const opt = (k: string): number | string | undefined => (m[k] === undefined ? undefined : numberish(m, k));
      return {
        type,
        createTime,
        event: event as MpInboundEventName,
        eventKey: optionalString(m, 'eventKey', 'message.eventKey'),
        ticket: optionalString(m, 'ticket', 'message.ticket'),
        menuId: m['menuId'] === undefined ? undefined : String(numberish(m, 'menuId')),
        latitude: opt('latitude'),
        longitude: opt('longitude'),
        precision: opt('precision'),
        templateMsgId: m['templateMsgId'] === undefined ? undefined : String(numberish(m, 'templateMsgId')),
        status: optionalString(m, 'status', 'message.status'),
      };
    }
    default:
      throw new SimInputError('message.type must be one of text, image, voice, video, shortvideo, location, link, event');
  }
}
