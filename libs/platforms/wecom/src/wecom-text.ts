/**
 * Text helpers for WeCom's byte limits (text/markdown ≤ 2048 UTF-8 bytes, titles ≤ 128 B,
 * descriptions ≤ 512 B) and for rendering markdown as plain text. Pure functions, no I/O.
 */

/** UTF-8 length of one code point (a lone surrogate is encoded as U+FFFD: 3 bytes, like Buffer does). */
function cpBytes(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/** UTF-8 byte length of a string (same as Buffer.byteLength(s, 'utf8')). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) n += cpBytes(ch.codePointAt(0) ?? 0);
  return n;
}

/**
 * The largest index (in UTF-16 code units) such that `text.slice(start, index)` is ≤ `maxBytes`
 * UTF-8 bytes; never between the two halves of a surrogate pair.
 */
function fitIndex(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const cp = text.codePointAt(i) ?? 0;
    const b = cpBytes(cp);
    if (bytes + b > maxBytes) break;
    bytes += b;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, never inside a character or surrogate pair. */
export function truncateUtf8(text: string, maxBytes: number): string {
  return text.slice(0, fitIndex(text, 0, maxBytes));
}

/** Cuts to `maxBytes`, ending with "…" when something was cut (the ellipsis counts). */
export function truncateUtf8WithEllipsis(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const ellipsis = '…'; // 3 bytes
  if (maxBytes < 3) return truncateUtf8(text, maxBytes);
  return truncateUtf8(text, maxBytes - 3) + ellipsis;
}

/** Sentence ends: CJK always; ASCII only before whitespace (so "3.14" and "example.com" stay whole). */
const CJK_SENTENCE_END = new Set(['。', '！', '？', '；', '…']);
const ASCII_SENTENCE_END = new Set(['.', '!', '?', ';']);

/**
 * Where to cut `text.slice(start, limit)`: after the last paragraph break, else the last line break,
 * else the last sentence end, else at `limit`. A boundary that would leave a part shorter than a
 * quarter of the window is ignored in favour of the next kind (no tiny parts).
 */
function cutPoint(text: string, start: number, limit: number): number {
  const window = text.slice(start, limit);
  const min = Math.floor(window.length / 4);
  const ok = (at: number): boolean => at > min && at > 0;

  // Paragraph: after a blank line ("\n\n", possibly with spaces / \r between).
  const para = /\n[ \t\r]*\n/g;
  let best = -1;
  for (let m = para.exec(window); m; m = para.exec(window)) best = m.index + m[0].length;
  if (ok(best)) return start + best;

  const line = window.lastIndexOf('\n');
  if (ok(line + 1)) return start + line + 1;

  for (let i = window.length - 1; i > min; i--) {
    const ch = window[i] as string;
    if (CJK_SENTENCE_END.has(ch)) {
      // Keep closing quotes/brackets with their sentence: 。」 ！）
      let end = i + 1;
      while (end < window.length && '」』）)”’"\''.includes(window[end] as string)) end++;
      return start + end;
    }
    if (ASCII_SENTENCE_END.has(ch) && i + 1 < window.length && /\s/.test(window[i + 1] as string)) {
      let end = i + 1;
      while (end < window.length && (window[end] === ' ' || window[end] === '\t')) end++;
      return start + end;
    }
  }
  return limit;
}

/**
 * Splits `text` into ordered parts of at most `maxBytes` UTF-8 bytes each that join back to exactly
 * `text` (`parts.join('') === text`). Cuts at natural boundaries: paragraph, then line, then sentence
 * end (。！？.!?), then anywhere, but never inside a multi-byte character or a surrogate pair.
 * The empty string gives no parts. `maxBytes` must be ≥ 4 (room for any one character).
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  if (text === '') return [];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    const limit = fitIndex(text, start, maxBytes);
    if (limit >= text.length) {
      parts.push(text.slice(start));
      break;
    }
    const cut = cutPoint(text, start, limit);
    parts.push(text.slice(start, cut));
    start = cut;
  }
  return parts;
}

/**
 * Renders markdown as readable plain text (WeCom app markdown does not render for WeChat-plug-in users
 * and older clients): code fences dropped (their content kept), headings and emphasis marks removed,
 * `[t](u)` → `t (u)`, list items as `- `, quotes unmarked, WeCom `<font>` tags removed.
 */
export function markdownToPlainText(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let inFence = false;
  for (const raw of lines) {
    if (/^\s*(```|~~~)/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(raw);
      continue;
    }
    let line = raw;
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push(''); // thematic break
      continue;
    }
    line = line.replace(/^\s{0,3}#{1,6}\s+/, '').replace(/\s+#+\s*$/, ''); // headings
    line = line.replace(/^(\s*)(?:>\s?)+/, '$1'); // quotes
    line = line.replace(/^(\s*)[*+]\s+/, '$1- '); // bullet lists → "- "
    line = line.replace(/^(\s*)- \[[ xX]\]\s+/, '$1- '); // task lists
    line = line.replace(/!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, alt: string, url: string) => (alt ? `${alt} (${url})` : url));
    line = line.replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, t: string, url: string) => (t === url ? url : `${t} (${url})`));
    line = line.replace(/<(https?:\/\/[^>\s]+)>/g, '$1'); // autolinks
    line = line.replace(/<\/?font[^>]*>/gi, ''); // WeCom colour tags
    line = line.replace(/`([^`]+)`/g, '$1'); // inline code
    line = line.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2'); // bold
    line = line.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1'); // strikethrough
    line = line.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\*)/g, '$1$2'); // *italic*
    line = line.replace(/(^|[^\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g, '$1$2'); // _italic_
    line = line.replace(/\\([\\`*_{}[\]()#+\-.!>~|])/g, '$1'); // escapes
    out.push(line.replace(/[ \t]+$/, ''));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
