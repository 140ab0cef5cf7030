import { WECOM_ERRORS, WECOM_TEXT_MAX_BYTES, type WecomError } from './wecom-error-codes.constants';
import type { WecomSimSettings } from './wecom-sim.types';

/** Message types message/send accepts. [D] */
export const WECOM_MSG_TYPES = ['text', 'markdown', 'image', 'voice', 'video', 'file', 'textcard', 'news', 'mpnews', 'template_card'] as const;
export type WecomMsgType = (typeof WECOM_MSG_TYPES)[number];

/** template_card.card_type values. [D] */
export const WECOM_CARD_TYPES = ['text_notice', 'news_notice', 'button_interaction', 'vote_interaction', 'multiple_interaction'] as const;

export interface SendValidationContext {
  agentId: number;
  /** Whether a media_id is live for the calling corp. */
  mediaExists(mediaId: string): boolean;
  textOverLimit: WecomSimSettings['textOverLimit'];
}

export type SendValidation =
  | { ok: true; body: Record<string, unknown>; msgtype: WecomMsgType; truncated: boolean }
  | { ok: false; error: WecomError };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(value: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of value) {
    const len = Buffer.byteLength(ch, 'utf8');
    if (bytes + len > max) break;
    bytes += len;
    out += ch;
  }
  return out;
}

const fail = (error: WecomError): SendValidation => ({ ok: false, error });

/**
 * Validates a message/send body roughly in the order WeCom does: JSON shape, agentid,
 * msgtype, recipients, then the type's payload. On success returns the body to record
 * (a copy; content cut to 2048 bytes when `textOverLimit` is 'truncate').
 */
export function validateSendBody(parsed: unknown, ctx: SendValidationContext): SendValidation {
  if (!isObj(parsed)) return fail(WECOM_ERRORS.dataFormatError);
  const body = structuredClone(parsed);

  const agentid = body['agentid'];
  if (agentid === undefined || agentid === null || agentid === '') return fail(WECOM_ERRORS.agentIdMissing);
  const agentNum = typeof agentid === 'number' ? agentid : typeof agentid === 'string' && /^\d+$/.test(agentid) ? Number(agentid) : NaN;
  if (agentNum !== ctx.agentId) return fail(WECOM_ERRORS.invalidAgentId);

  const msgtype = body['msgtype'];
  if (typeof msgtype !== 'string' || !(WECOM_MSG_TYPES as readonly string[]).includes(msgtype)) return fail(WECOM_ERRORS.invalidMsgType);

  let anyRecipient = false;
  for (const key of ['touser', 'toparty', 'totag']) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    // The fields are '|'-separated strings; other JSON types are refused. [U: exact code]
    if (typeof v !== 'string') return fail(WECOM_ERRORS.invalidParameter);
    if (v.trim() !== '') anyRecipient = true;
  }
  if (!anyRecipient) return fail(WECOM_ERRORS.noRecipients);

  const payload = body[msgtype];
  let truncated = false;
  const checkContent = (p: unknown): WecomError | undefined => {
    if (!isObj(p) || !nonEmptyString(p['content'])) return WECOM_ERRORS.emptyContent;
    if (Buffer.byteLength(p['content'], 'utf8') > WECOM_TEXT_MAX_BYTES) {
      if (ctx.textOverLimit === 'reject') return WECOM_ERRORS.contentSizeOutOfLimit;
      p['content'] = truncateUtf8(p['content'], WECOM_TEXT_MAX_BYTES);
      truncated = true;
    }
    return undefined;
  };
  const checkMedia = (p: unknown, key = 'media_id'): WecomError | undefined => {
    if (!isObj(p) || !nonEmptyString(p[key])) return WECOM_ERRORS.mediaIdMissing;
    if (!ctx.mediaExists(p[key])) return WECOM_ERRORS.invalidMediaId;
    return undefined;
  };
  const checkArticles = (p: unknown, each: (a: Obj) => WecomError | undefined): WecomError | undefined => {
    if (!isObj(p) || !Array.isArray(p['articles']) || p['articles'].length < 1 || p['articles'].length > 8) {
      return WECOM_ERRORS.articleSizeOutOfLimit;
    }
    for (const a of p['articles'] as unknown[]) {
      if (!isObj(a)) return WECOM_ERRORS.invalidParameter;
      const err = each(a);
      if (err) return err;
    }
    return undefined;
  };

  let error: WecomError | undefined;
  switch (msgtype as WecomMsgType) {
    case 'text':
    case 'markdown':
      error = checkContent(payload);
      break;
    case 'image':
    case 'voice':
    case 'video':
    case 'file':
      error = checkMedia(payload);
      break;
    case 'textcard':
      if (!isObj(payload) || !nonEmptyString(payload['title'])) error = WECOM_ERRORS.titleMissing;
      else if (!nonEmptyString(payload['description'])) error = WECOM_ERRORS.descriptionMissing;
      else if (!nonEmptyString(payload['url'])) error = WECOM_ERRORS.urlMissing;
      break;
    case 'news':
      error = checkArticles(payload, (a) => {
        if (!nonEmptyString(a['title'])) return WECOM_ERRORS.titleMissing;
        // An article links to url, or to a mini program (appid + pagepath).
        if (!nonEmptyString(a['url']) && !(nonEmptyString(a['appid']) && nonEmptyString(a['pagepath']))) return WECOM_ERRORS.urlMissing;
        return undefined;
      });
      break;
    case 'mpnews':
      error = checkArticles(payload, (a) => {
        if (!nonEmptyString(a['title'])) return WECOM_ERRORS.titleMissing;
        const media = checkMedia(a, 'thumb_media_id');
        if (media) return media;
        if (!nonEmptyString(a['content'])) return WECOM_ERRORS.emptyContent;
        return undefined;
      });
      break;
    case 'template_card':
      if (!isObj(payload) || typeof payload['card_type'] !== 'string' || !(WECOM_CARD_TYPES as readonly string[]).includes(payload['card_type'])) {
        error = WECOM_ERRORS.invalidParameter;
      }
      break;
  }
  if (error) return fail(error);
  return { ok: true, body, msgtype: msgtype as WecomMsgType, truncated };
}
