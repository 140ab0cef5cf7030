import type { Answer, OutgoingMessage } from '@imbridge/contracts';

/** Markdown constructs worth a `markdown` message (a sender may still degrade it to plain text). */
const MARKDOWN_HINT = /(^|\n)\s{0,3}(#{1,6}\s|[-*+]\s|\d+\.\s|>\s)|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\)|`[^`]+`/;

/**
 * The platform-neutral answer as the messages to send, in order: the text (as markdown when it uses
 * any), then each image, then the links as one news message (at most 8 articles per message).
 */
export function answerToOutgoing(answer: Answer): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  const text = answer.text?.trim() ? answer.text : undefined;
  if (text !== undefined) out.push(MARKDOWN_HINT.test(text) ? { type: 'markdown', markdown: text } : { type: 'text', text });
  for (const image of answer.images ?? []) out.push({ type: 'image', url: image.url });
  const links = answer.links ?? [];
  for (let i = 0; i < links.length; i += 8) {
    out.push({
      type: 'news',
      articles: links.slice(i, i + 8).map((l) => ({ title: l.title, url: l.url, ...(l.description ? { description: l.description } : {}) })),
    });
  }
  return out;
}
