/**
 * UTF-8 byte helpers for WeCom's byte limits (text/markdown/kf text ≤ 2048 UTF-8 bytes, titles ≤ 128 B,
 * descriptions ≤ 512 B), shared by the self-built app and the kf libs. Pure functions, no I/O.
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
export function fitUtf8Index(text: string, start: number, maxBytes: number): number {
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
  return text.slice(0, fitUtf8Index(text, 0, maxBytes));
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
 * Where to cut the window `text.slice(start, limit)` (limit = the most that fits): returns an index in
 * (start, limit]. Lets each lib keep its own boundary preferences over one shared split loop.
 */
export type Utf8CutPoint = (text: string, start: number, limit: number) => number;

/**
 * Splits `text` into ordered parts of at most `maxBytes` UTF-8 bytes that join back to exactly `text`,
 * cutting each full window where `cutAt` says. The empty string gives no parts; `maxBytes` must be
 * an integer ≥ 4 (room for any one character).
 */
export function splitUtf8With(text: string, maxBytes: number, cutAt: Utf8CutPoint): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    const limit = fitUtf8Index(text, start, maxBytes);
    if (limit >= text.length) {
      parts.push(text.slice(start));
      break;
    }
    const cut = cutAt(text, start, limit);
    parts.push(text.slice(start, cut));
    start = cut;
  }
  return parts;
}

/**
 * Splits `text` into ordered parts of at most `maxBytes` UTF-8 bytes each that join back to exactly
 * `text` (`parts.join('') === text`). Cuts at natural boundaries: paragraph, then line, then sentence
 * end (。！？.!?), then anywhere, but never inside a multi-byte character or a surrogate pair.
 * The empty string gives no parts. `maxBytes` must be ≥ 4 (room for any one character).
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  return splitUtf8With(text, maxBytes, cutPoint);
}
