import { menuAsText, type OutgoingMessage, type RenderedPart } from '@imbridge/contracts';
import { PlatformError, type Recipient, type SendContext, type Sender, type SendResult, type UploadFile } from '@imbridge/platform-core';
import { callMpJson, callMpWithToken, type MpApiAnswer } from './mp-token';
import { mpUtf8Length, splitMpText } from './mp-text';
import { readMpConfig, type MpConfig } from './mp.descriptor';

/**
 * Text per customer-service message, in UTF-8 bytes. §4.4 names no limit; 2048 bytes is the limit of
 * WeChat's other text messages and what SDKs assume [unverified]: longer texts are sent in parts.
 */
export const MP_CUSTOM_TEXT_MAX_BYTES = 2048;
/** A customer-service news message carries one article (§4.4). */
export const MP_CUSTOM_NEWS_MAX_ARTICLES = 1;
/** Temporary image upload limit (media/upload, type=image): 10 MB, bmp/png/jpeg/jpg/gif. */
export const MP_UPLOAD_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/** Markdown does not render in WeChat: the text the user would see (markers dropped, links as "text (url)"). */
export function mpMarkdownToText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '');
}

/** A textcard as text, for an account without cards. */
function textcardAsText(m: Extract<OutgoingMessage, { type: 'textcard' }>): string {
  return [m.title, m.description, m.url].filter((s) => s.trim() !== '').join('\n');
}

/** The text a text-like message becomes, or undefined for image/file/news. */
function asText(message: OutgoingMessage): string | undefined {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'markdown':
      return mpMarkdownToText(message.markdown);
    case 'menu':
      return menuAsText(message);
    case 'textcard':
      return textcardAsText(message);
    case 'image':
    case 'file':
    case 'news':
      return undefined;
  }
}

/** What the user would see for `message`, without sending (the console's preview). */
export function renderMpMessage(message: OutgoingMessage): RenderedPart[] {
  const textParts = (text: string): RenderedPart[] =>
    splitMpText(text, MP_CUSTOM_TEXT_MAX_BYTES)
      .filter((p) => p.trim() !== '')
      .map((p) => ({ type: 'text', preview: p, bytes: mpUtf8Length(p) }));
  switch (message.type) {
    case 'text':
    case 'markdown':
    case 'menu':
    case 'textcard':
      return textParts(asText(message) ?? '');
    case 'image':
      return [{ type: 'image', preview: message.url ?? message.mediaId ?? message.mediaFileId ?? '' }];
    case 'news':
      return message.articles.slice(0, MP_CUSTOM_NEWS_MAX_ARTICLES).map((a) => ({ type: 'news', preview: [a.title, a.url ?? ''].filter(Boolean).join('\n') }));
    case 'file':
      // No file messages on MP: the link is all the user can get.
      return message.url ? textParts(message.url) : [];
  }
}

/**
 * Sends customer-service messages (`message/custom/send`, §4.4) to an openid: text (markdown, menus
 * and textcards as text) split at 2048 bytes, images by media_id (our own files through `upload`),
 * news with one article, a file as its link. Window errors (45015/45047) surface as WINDOW_CLOSED,
 * never retried. An image given only by URL is not downloaded yet (left for the media work).
 */
export class MpSender implements Sender {
  render(message: OutgoingMessage): RenderedPart[] {
    return renderMpMessage(message);
  }

  /** `media/upload?type=image` (temporary, 3 days): multipart with the file in the field `media`. */
  async upload(ctx: SendContext, file: UploadFile): Promise<string> {
    if (file.kind !== 'image') throw new PlatformError('INVALID', 'WeChat MP customer-service messages cannot carry files', { platformCode: 'UNSUPPORTED_TYPE' });
    if (file.bytes.length === 0 || file.bytes.length > MP_UPLOAD_IMAGE_MAX_BYTES) {
      throw new PlatformError('INVALID', `image is ${file.bytes.length} bytes; WeChat MP accepts 1..${MP_UPLOAD_IMAGE_MAX_BYTES}`, { platformCode: 'MEDIA_TOO_LARGE' });
    }
    const cfg = readMpConfig(ctx.config);
    const answer = await callMpWithToken<MpApiAnswer & { media_id?: string }>(ctx, cfg, {
      api: 'media/upload',
      query: { type: 'image' },
      makeRequest: () => {
        const form = new FormData();
        form.append('media', new Blob([new Uint8Array(file.bytes)], { type: file.contentType }), file.fileName.replace(/[\\/\r\n"]/g, '_'));
        return { method: 'POST', body: form, timeoutMs: 60_000 };
      },
    });
    if (typeof answer.media_id !== 'string' || answer.media_id === '') {
      throw new PlatformError('TEMPORARY', 'WeChat MP media/upload: answer without media_id', { platformCode: 'NO_MEDIA_ID' });
    }
    return answer.media_id;
  }

  async send(ctx: SendContext, to: Recipient, message: OutgoingMessage): Promise<SendResult> {
    const cfg = readMpConfig(ctx.config);
    if (to.kind !== 'user') throw new PlatformError('INVALID', 'WeChat MP messages go to users (openid)', { platformCode: 'RECIPIENT' });
    switch (message.type) {
      case 'text':
      case 'markdown':
      case 'menu':
      case 'textcard':
        return this.sendText(ctx, cfg, to.externalId, asText(message) ?? '');
      case 'image': {
        if (!message.mediaId) {
          throw new PlatformError('INVALID', 'WeChat MP images need a media_id (upload first); sending from a URL is not supported yet', { platformCode: 'NO_MEDIA' });
        }
        await this.custom(ctx, cfg, { touser: to.externalId, msgtype: 'image', image: { media_id: message.mediaId } });
        return { platformMessageIds: [], parts: 1 };
      }
      case 'news': {
        const article = message.articles[0];
        if (!article) throw new PlatformError('INVALID', 'news needs at least one article', { platformCode: 'NO_ARTICLES' });
        await this.custom(ctx, cfg, {
          touser: to.externalId,
          msgtype: 'news',
          news: {
            articles: [
              {
                title: article.title,
                ...(article.description ? { description: article.description } : {}),
                ...(article.url ? { url: article.url } : {}),
                ...(article.picUrl ? { picurl: article.picUrl } : {}),
              },
            ],
          },
        });
        return { platformMessageIds: [], parts: 1 };
      }
      case 'file':
        if (!message.url) throw new PlatformError('INVALID', 'WeChat MP cannot send files', { platformCode: 'UNSUPPORTED_TYPE' });
        return this.sendText(ctx, cfg, to.externalId, message.url);
    }
    // Only reachable with a type outside OutgoingMessage (e.g. a row written by a newer version).
    const type = (message as { type: string }).type;
    throw new PlatformError('INVALID', `WeChat MP sender cannot send '${type}'`, { platformCode: 'UNSUPPORTED_TYPE' });
  }

  /** Text in parts of ≤ 2048 bytes, in order; custom/send returns no message id. */
  private async sendText(ctx: SendContext, cfg: MpConfig, openId: string, text: string): Promise<SendResult> {
    const parts = splitMpText(text, MP_CUSTOM_TEXT_MAX_BYTES).filter((p) => p.trim() !== '');
    if (parts.length === 0) throw new PlatformError('INVALID', 'WeChat MP cannot send an empty text', { platformCode: 'EMPTY_TEXT' });
    for (const content of parts) {
      await this.custom(ctx, cfg, { touser: openId, msgtype: 'text', text: { content } });
    }
    return { platformMessageIds: [], parts: parts.length };
  }

  private custom(ctx: SendContext, cfg: MpConfig, body: Record<string, unknown>): Promise<MpApiAnswer> {
    return callMpJson(ctx, cfg, 'message/custom/send', body);
  }
}
