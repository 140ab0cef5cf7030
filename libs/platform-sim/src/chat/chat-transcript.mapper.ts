import type { WecomSentMessage } from '../wecom/wecom-sim.types';
import type { ChatArticle, ChatEntry } from './chat-sim.types';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Only what a WeCom client would show: title, description, link, picture link. */
function articles(value: unknown): ChatArticle[] {
  if (!Array.isArray(value)) return [];
  return value.map((a) => {
    const o = obj(a) ?? {};
    const out: ChatArticle = { title: str(o['title']) ?? '' };
    const description = str(o['description']) ?? str(o['digest']);
    const url = str(o['url']) ?? str(o['content_source_url']);
    const picUrl = str(o['picurl']);
    if (description) out.description = description;
    if (url) out.url = url;
    if (picUrl) out.picUrl = picUrl;
    return out;
  });
}

/** A message/send body as one transcript entry (the page renders text, markdown, image and news). */
export function toChatEntry(m: WecomSentMessage): ChatEntry {
  const msgtype = str(m.body['msgtype']) ?? 'unknown';
  const payload = obj(m.body[msgtype]) ?? {};
  const base = { id: `a${m.msgid}`, from: 'app' as const, at: new Date(m.at).toISOString(), msgtype };
  switch (msgtype) {
    case 'text':
    case 'markdown':
      return { ...base, kind: msgtype, text: str(payload['content']) ?? '' };
    case 'image':
      return { ...base, kind: 'image', mediaId: str(payload['media_id']) ?? '' };
    case 'news':
    case 'mpnews':
      return { ...base, kind: 'news', articles: articles(payload['articles']) };
    case 'textcard': {
      const url = str(payload['url']);
      return {
        ...base,
        kind: 'news',
        articles: [{ title: str(payload['title']) ?? '', ...(str(payload['description']) ? { description: str(payload['description']) } : {}), ...(url ? { url } : {}) }],
      };
    }
    default:
      // voice, video, file, template_card: the page names the type; details stay in /_sim/wecom/messages.
      return { ...base, kind: 'other', text: str(payload['media_id']) ?? str(payload['title']) ?? '' };
  }
}
