/**
 * Text helpers for WeCom app messages: the UTF-8 byte helpers live in wecom-common (shared with the
 * kf lib) and are re-exported here; markdown → plain text is specific to the app. Pure functions.
 */
export { splitUtf8, truncateUtf8, truncateUtf8WithEllipsis, utf8Length } from '@imbridge/platform-wecom-common';

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
