/** UTF-8 byte helpers for the customer-service text limit. Pure functions. */

/** UTF-8 byte length (a lone surrogate counts 3 bytes, like Buffer encodes it as U+FFFD). */
export function mpUtf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The largest index such that `text.slice(start, index)` fits `maxBytes`; never inside a surrogate pair. */
function fitIndex(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const cp = text.codePointAt(i) ?? 0;
    const b = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + b > maxBytes) break;
    bytes += b;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/**
 * Splits `text` into parts of at most `maxBytes` UTF-8 bytes that join back to exactly `text`,
 * cutting after the last line break of a full window (unless that leaves a part under a quarter of
 * it), else at the limit, never inside a character. The empty string gives no parts.
 */
export function splitMpText(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    const limit = fitIndex(text, start, maxBytes);
    if (limit >= text.length) {
      parts.push(text.slice(start));
      break;
    }
    const nl = text.lastIndexOf('\n', limit - 1);
    const cut = nl >= start && nl + 1 - start > Math.floor((limit - start) / 4) ? nl + 1 : limit;
    parts.push(text.slice(start, cut));
    start = cut;
  }
  return parts;
}
