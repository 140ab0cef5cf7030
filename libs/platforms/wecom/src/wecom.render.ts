import { menuAsText, type OutgoingMessage, type RenderedPart } from '@imbridge/contracts';
import { markdownToPlainText, splitUtf8, truncateUtf8WithEllipsis, utf8Length } from './wecom-text';

// message/send limits (doc 90236), equal to the sender's WECOM_*_MAX_BYTES (the spec checks); kept
// here so the sender can import this file without a cycle.
export const WECOM_RENDER_LIMITS = { text: 2048, title: 128, description: 512, articles: 8 } as const;
const TEXT_MAX_BYTES = WECOM_RENDER_LIMITS.text;
const TITLE_MAX_BYTES = WECOM_RENDER_LIMITS.title;
const DESCRIPTION_MAX_BYTES = WECOM_RENDER_LIMITS.description;
const NEWS_MAX_ARTICLES = WECOM_RENDER_LIMITS.articles;

function textParts(text: string): RenderedPart[] {
  return splitUtf8(text, TEXT_MAX_BYTES)
    .filter((p) => p.trim() !== '')
    .map((preview) => ({ type: 'text' as const, preview, bytes: utf8Length(preview) }));
}

/**
 * What a WeCom app message looks like to the member, part by part, exactly as WecomSender sends it:
 * text split at 2048 UTF-8 bytes at natural boundaries (blank parts dropped), markdown degraded to
 * plain text first, news/textcard titles and descriptions cut to their byte limits, at most 8 articles.
 */
export function renderWecomMessage(message: OutgoingMessage): RenderedPart[] {
  switch (message.type) {
    case 'text':
      return textParts(message.text);
    case 'markdown':
      return textParts(markdownToPlainText(message.markdown));
    case 'menu':
      // App messages have no menus: the options go as text.
      return textParts(menuAsText(message));
    case 'image':
      return [{ type: 'image', preview: message.url ?? `media:${message.mediaId ?? ''}` }];
    case 'file':
      return [{ type: 'file', preview: message.fileName ?? message.url ?? `media:${message.mediaId ?? ''}` }];
    case 'textcard': {
      const preview = [truncateUtf8WithEllipsis(message.title, TITLE_MAX_BYTES), truncateUtf8WithEllipsis(message.description, DESCRIPTION_MAX_BYTES), message.url].join('\n');
      return [{ type: 'textcard', preview, bytes: utf8Length(preview) }];
    }
    case 'news': {
      const preview = message.articles
        .slice(0, NEWS_MAX_ARTICLES)
        .map((a) =>
          [truncateUtf8WithEllipsis(a.title, TITLE_MAX_BYTES), a.description ? truncateUtf8WithEllipsis(a.description, DESCRIPTION_MAX_BYTES) : null, a.url ?? null]
            .filter((s): s is string => s !== null && s !== '')
            .join('\n'),
        )
        .join('\n\n');
      return [{ type: 'news', preview, bytes: utf8Length(preview) }];
    }
  }
}
