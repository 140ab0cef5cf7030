/** WeCom's limit for one text message, in UTF-8 bytes. Longer replies are split by the server. */
export const WECOM_TEXT_LIMIT_BYTES = 2048;

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** How many messages a text of this size becomes (an estimate: the server splits at natural boundaries). */
export function estimatedParts(bytes: number, limit = WECOM_TEXT_LIMIT_BYTES): number {
  return Math.max(1, Math.ceil(bytes / limit));
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`，。！？、；：“”‘’（）【】《》]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** Only http and https become links; everything else (javascript:, data:, …) stays plain text. */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Splits text into plain runs and http(s) links. Never produces markup. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate);
    if (trailing) candidate = candidate.slice(0, candidate.length - trailing[0].length);
    const href = safeHttpUrl(candidate);
    if (!href) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
