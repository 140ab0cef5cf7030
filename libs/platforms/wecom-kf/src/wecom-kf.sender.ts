import { createHash } from 'node:crypto';
import { menuAsText, type OutgoingMessage, type RenderedPart } from '@imbridge/contracts';
import { PlatformError, type Recipient, type SendContext, type Sender, type SendResult, type UploadFile } from '@imbridge/platform-core';
import { uploadWecomMediaFile, WECOM_UPLOAD_MAX_BYTES, wecomUploadTooLarge } from '@imbridge/platform-wecom-common';
import { callKfApi, type KfCallContext } from './wecom-kf.api';
import { mapWecomKfError } from './wecom-kf-error.mapper';
import { readWecomKfConfig, type WecomKfConfig } from './wecom-kf.descriptor';
import { splitKfText } from './wecom-kf-text';

/** kf/send_msg text content limit in UTF-8 bytes (doc 94677). */
export const KF_TEXT_MAX_BYTES = 2048;
/** msgid: optional, ≤ 32 bytes of [0-9a-zA-Z_-], unique within the kf account (doc 94677). */
export const KF_MSGID_PATTERN = /^[0-9a-zA-Z_-]{1,32}$/;
/** media/upload limits (doc 90253); every file must be > 5 bytes. */
export const KF_UPLOAD_MAX_BYTES = WECOM_UPLOAD_MAX_BYTES;

/**
 * Our msgid for part `part` of an outbound message. The idempotency key itself when it fits (part 0);
 * otherwise a deterministic hash, so a retried send reuses the same msgid and the platform can
 * refuse the duplicate instead of delivering it twice.
 */
export function kfMsgId(idempotencyKey: string, part = 0): string {
  if (part === 0 && KF_MSGID_PATTERN.test(idempotencyKey)) return idempotencyKey;
  const digest = createHash('sha256').update(`${idempotencyKey}\u0000${part}`).digest('base64url');
  return `h${digest.slice(0, 31)}`;
}

/** A msgmenu (doc 94677): head/tail text and click / view / miniprogram / text items. */
export interface KfMenu {
  headContent?: string;
  tailContent?: string;
  items: (
    | { type: 'click'; id: string; content: string }
    | { type: 'view'; url: string; content: string }
    | { type: 'miniprogram'; appid: string; pagepath: string; content: string }
    | { type: 'text'; content: string; noNewline?: boolean }
  )[];
}

export function buildKfMenu(menu: KfMenu): Record<string, unknown> {
  return {
    ...(menu.headContent ? { head_content: menu.headContent } : {}),
    list: menu.items.map((item) => {
      switch (item.type) {
        case 'click':
          return { type: 'click', click: { id: item.id, content: item.content } };
        case 'view':
          return { type: 'view', view: { url: item.url, content: item.content } };
        case 'miniprogram':
          return { type: 'miniprogram', miniprogram: { appid: item.appid, pagepath: item.pagepath, content: item.content } };
        case 'text':
          return { type: 'text', text: { content: item.content, no_newline: item.noNewline ? 1 : 0 } };
      }
    }),
    ...(menu.tailContent ? { tail_content: menu.tailContent } : {}),
  };
}

/** The send_msg body; `to.externalId` is `<open_kfid>:<external_userid>` (see `kfRecipient`). */
export function buildSendMsgBody(openKfId: string, externalUserId: string, msgid: string, msgtype: string, payload: unknown): Record<string, unknown> {
  return { touser: externalUserId, open_kfid: openKfId, msgid, msgtype, [msgtype]: payload };
}

/** Recipients of kf messages are a customer on one kf account: `<open_kfid>:<external_userid>`. */
export function kfRecipient(openKfId: string, externalUserId: string): Recipient {
  return { kind: 'user', externalId: `${openKfId}:${externalUserId}` };
}

export function parseKfRecipient(to: Recipient): { openKfId: string; externalUserId: string } {
  const i = to.externalId.indexOf(':');
  if (to.kind !== 'user' || i <= 0 || i === to.externalId.length - 1) {
    throw new PlatformError('INVALID', 'kf recipient must be "<open_kfid>:<external_userid>"', { platformCode: 'RECIPIENT' });
  }
  return { openKfId: to.externalId.slice(0, i), externalUserId: to.externalId.slice(i + 1) };
}

/** `media/upload` (multipart, field `media`); returns the 3-day media_id. */
export function uploadKfMedia(
  ctx: KfCallContext,
  cfg: WecomKfConfig,
  type: 'image' | 'voice' | 'video' | 'file',
  file: { bytes: Buffer; fileName: string; contentType: string },
): Promise<string> {
  return uploadWecomMediaFile(ctx, cfg, type, file, { label: 'WeCom kf', mapError: mapWecomKfError });
}

/** Sends a msgmenu to a customer (bot answers with options; clicks come back as text with menu_id). */
export async function sendKfMenu(ctx: SendContext, to: Recipient, menu: KfMenu): Promise<SendResult> {
  const cfg = readWecomKfConfig(ctx.config);
  const { openKfId, externalUserId } = parseKfRecipient(to);
  const msgid = kfMsgId(ctx.idempotencyKey);
  const answer = await callKfApi(ctx, cfg, 'kf/send_msg', { method: 'POST', json: buildSendMsgBody(openKfId, externalUserId, msgid, 'msgmenu', buildKfMenu(menu)) });
  return { platformMessageIds: [typeof answer['msgid'] === 'string' ? answer['msgid'] : msgid], parts: 1 };
}

/**
 * `kf/send_msg_on_event`: the welcome message (enter_session's welcome_code, valid 20 s, text or
 * msgmenu) or the other event codes. Each code is single-use.
 */
export async function sendKfMsgOnEvent(
  ctx: KfCallContext,
  cfg: WecomKfConfig,
  req: { code: string; msgid?: string; content: { type: 'text'; text: string } | { type: 'msgmenu'; menu: KfMenu } },
): Promise<string | undefined> {
  if (req.msgid !== undefined && !KF_MSGID_PATTERN.test(req.msgid)) throw new PlatformError('INVALID', 'msgid must be ≤ 32 of [0-9a-zA-Z_-]', { platformCode: 'MSGID' });
  const body =
    req.content.type === 'text'
      ? { msgtype: 'text', text: { content: splitKfText(req.content.text, KF_TEXT_MAX_BYTES)[0] ?? '' } }
      : { msgtype: 'msgmenu', msgmenu: buildKfMenu(req.content.menu) };
  const answer = await callKfApi(ctx, cfg, 'kf/send_msg_on_event', { method: 'POST', json: { code: req.code, ...(req.msgid ? { msgid: req.msgid } : {}), ...body } });
  return typeof answer['msgid'] === 'string' ? answer['msgid'] : undefined;
}

/** Our menu shape (OutgoingMessage 'menu') as a kf msgmenu of click options. */
export function kfMenuOf(menu: { head?: string; items: { id: string; content: string }[]; tail?: string }): KfMenu {
  return {
    ...(menu.head ? { headContent: menu.head } : {}),
    items: menu.items.map((i) => ({ type: 'click' as const, id: i.id, content: i.content })),
    ...(menu.tail ? { tailContent: menu.tail } : {}),
  };
}

/**
 * kf/send_msg with our own msgid (so a retried send is refused as a duplicate rather than
 * delivered twice): text split at 2048 bytes (one msgid per part), markdown as text, image/file by
 * media id (upload through `upload` first), textcard/news degraded to text, menu as msgmenu.
 * A text or menu carrying `eventCode` (welcome / end message) goes out with kf/send_msg_on_event
 * instead: one message (text cut at 2048 bytes), not counted against the 5-message quota.
 */
export class WecomKfSender implements Sender {
  render(message: OutgoingMessage): RenderedPart[] {
    if (message.type === 'menu') return [{ type: 'text', preview: menuAsText(message), bytes: Buffer.byteLength(menuAsText(message), 'utf8') }];
    const text = asText(message);
    if (text !== undefined) {
      if (message.type === 'text' && message.eventCode) {
        // send_msg_on_event takes one message: the text is cut, not split.
        const one = splitKfText(text, KF_TEXT_MAX_BYTES)[0] ?? '';
        return [{ type: 'text', preview: one, bytes: Buffer.byteLength(one, 'utf8') }];
      }
      return splitKfText(text, KF_TEXT_MAX_BYTES)
        .filter((t) => t.trim() !== '')
        .map((t) => ({ type: 'text', preview: t, bytes: Buffer.byteLength(t, 'utf8') }));
    }
    return [{ type: message.type, preview: message.type === 'file' && message.fileName ? message.fileName : `[${message.type}]` }];
  }

  upload(ctx: SendContext, file: UploadFile): Promise<string> {
    const tooLarge = wecomUploadTooLarge(file);
    if (tooLarge) return Promise.reject(tooLarge);
    return uploadKfMedia(ctx, readWecomKfConfig(ctx.config), file.kind, file);
  }

  async send(ctx: SendContext, to: Recipient, message: OutgoingMessage): Promise<SendResult> {
    const cfg = readWecomKfConfig(ctx.config);
    const { openKfId, externalUserId } = parseKfRecipient(to);
    if ((message.type === 'text' || message.type === 'menu') && message.eventCode) {
      const msgid = kfMsgId(ctx.idempotencyKey);
      const content = message.type === 'text' ? { type: 'text' as const, text: message.text } : { type: 'msgmenu' as const, menu: kfMenuOf(message) };
      const sent = await sendKfMsgOnEvent(ctx, cfg, { code: message.eventCode, msgid, content });
      return { platformMessageIds: [sent ?? msgid], parts: 1 };
    }
    if (message.type === 'menu') {
      if (message.items.length === 0) throw new PlatformError('INVALID', 'a kf menu needs at least one item', { platformCode: 'EMPTY_MENU' });
      return sendKfMenu(ctx, to, kfMenuOf(message));
    }
    const post = async (part: number, msgtype: string, payload: unknown): Promise<string> => {
      const msgid = kfMsgId(ctx.idempotencyKey, part);
      const answer = await callKfApi(ctx, cfg, 'kf/send_msg', { method: 'POST', json: buildSendMsgBody(openKfId, externalUserId, msgid, msgtype, payload) });
      return typeof answer['msgid'] === 'string' ? answer['msgid'] : msgid;
    };
    if (message.type === 'image' || message.type === 'file') {
      if (!message.mediaId) {
        throw new PlatformError('INVALID', `kf ${message.type} needs a mediaId (upload it first)`, { platformCode: 'NO_MEDIA' });
      }
      return { platformMessageIds: [await post(0, message.type, { media_id: message.mediaId })], parts: 1 };
    }
    const text = asText(message);
    if (text === undefined) throw new PlatformError('INVALID', `kf sender cannot send '${(message as { type: string }).type}'`, { platformCode: 'UNSUPPORTED_TYPE' });
    const parts = splitKfText(text, KF_TEXT_MAX_BYTES).filter((p) => p.trim() !== '');
    if (parts.length === 0) throw new PlatformError('INVALID', 'kf cannot send an empty text', { platformCode: 'EMPTY_TEXT' });
    // Each part counts against the 5-message quota; the desk shows that before sending.
    const ids: string[] = [];
    for (let i = 0; i < parts.length; i++) ids.push(await post(i, 'text', { content: parts[i] }));
    return { platformMessageIds: ids, parts: parts.length };
  }
}

function asText(message: OutgoingMessage): string | undefined {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'menu':
      return menuAsText(message);
    case 'markdown':
      return message.markdown;
    case 'textcard':
      return [message.title, message.description, message.url].filter((s) => s !== '').join('\n');
    case 'news':
      return message.articles.map((a) => [a.title, a.description, a.url].filter(Boolean).join('\n')).join('\n\n');
    case 'image':
    case 'file':
      return undefined;
  }
}
