import type { Answer } from '@imbridge/contracts';
import { ApiError } from '../common/api-error';

/** Caps of one Answer: what a bot or agent may reasonably send at once. */
export const ANSWER_LIMITS = { textChars: 20_000, images: 9, links: 32, urlChars: 2048, titleChars: 200, descriptionChars: 500, altChars: 200 } as const;

function invalid(field: string, en: string, zh: string): ApiError {
  return new ApiError(400, 'INVALID_ANSWER', `answer.${field}: ${en}`, `answer.${field}：${zh}`, { field: `answer.${field}` });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: string[], field: string): void {
  const extra = Object.keys(obj).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw invalid(field ? `${field}.${extra}` : extra, 'unknown property', '不支持的字段');
}

function httpUrl(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > ANSWER_LIMITS.urlChars) {
    throw invalid(field, `must be a URL of at most ${ANSWER_LIMITS.urlChars} characters`, `须为不超过 ${ANSWER_LIMITS.urlChars} 个字符的网址`);
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(field, 'must be an absolute http(s) URL', '须为完整的 http(s) 网址');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(field, 'only http and https URLs are allowed', '只允许 http / https 网址');
  return v;
}

function optionalString(v: unknown, max: number, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw invalid(field, `must be a string of at most ${max} characters`, `须为不超过 ${max} 个字符的文本`);
  return v;
}

/**
 * Checks an untrusted Answer (text ≤ 20000 characters, ≤ 9 images, ≤ 32 links — 4 news messages of
 * 8 —, http/https URLs only, no unknown properties, not empty) and returns it typed; 400
 * INVALID_ANSWER otherwise, with `details.field`.
 */
export function validateAnswer(raw: unknown): Answer {
  if (!isPlainObject(raw)) throw invalid('', 'must be an object', '须为对象');
  onlyKeys(raw, ['text', 'images', 'links'], '');
  const answer: Answer = {};
  if (raw['text'] !== undefined) {
    if (typeof raw['text'] !== 'string' || raw['text'].length > ANSWER_LIMITS.textChars) {
      throw invalid('text', `must be a string of at most ${ANSWER_LIMITS.textChars} characters`, `须为不超过 ${ANSWER_LIMITS.textChars} 个字符的文本`);
    }
    answer.text = raw['text'];
  }
  if (raw['images'] !== undefined) {
    const images = raw['images'];
    if (!Array.isArray(images) || images.length > ANSWER_LIMITS.images) {
      throw invalid('images', `must be a list of at most ${ANSWER_LIMITS.images} images`, `最多 ${ANSWER_LIMITS.images} 张图片`);
    }
    answer.images = images.map((img: unknown, i) => {
      const field = `images[${i}]`;
      if (!isPlainObject(img)) throw invalid(field, 'must be an object {url, alt?}', '须为 {url, alt?} 对象');
      onlyKeys(img, ['url', 'alt'], field);
      const alt = optionalString(img['alt'], ANSWER_LIMITS.altChars, `${field}.alt`);
      return { url: httpUrl(img['url'], `${field}.url`), ...(alt !== undefined ? { alt } : {}) };
    });
  }
  if (raw['links'] !== undefined) {
    const links = raw['links'];
    if (!Array.isArray(links) || links.length > ANSWER_LIMITS.links) {
      throw invalid('links', `must be a list of at most ${ANSWER_LIMITS.links} links (4 messages of 8)`, `最多 ${ANSWER_LIMITS.links} 个链接（4 条图文消息，每条 8 个）`);
    }
    answer.links = links.map((link: unknown, i) => {
      const field = `links[${i}]`;
      if (!isPlainObject(link)) throw invalid(field, 'must be an object {title, url, description?}', '须为 {title, url, description?} 对象');
      onlyKeys(link, ['title', 'url', 'description'], field);
      const title = link['title'];
      if (typeof title !== 'string' || title.trim() === '' || title.length > ANSWER_LIMITS.titleChars) {
        throw invalid(`${field}.title`, `must be a non-empty string of at most ${ANSWER_LIMITS.titleChars} characters`, `须为不超过 ${ANSWER_LIMITS.titleChars} 个字符的非空文本`);
      }
      const description = optionalString(link['description'], ANSWER_LIMITS.descriptionChars, `${field}.description`);
      return { title, url: httpUrl(link['url'], `${field}.url`), ...(description !== undefined ? { description } : {}) };
    });
  }
  const empty = !answer.text?.trim() && !answer.images?.length && !answer.links?.length;
  if (empty) throw new ApiError(400, 'EMPTY_ANSWER', 'the answer has no text, image or link', '回复内容为空：至少需要文本、图片或链接之一', { field: 'answer' });
  return answer;
}
