import type { OutgoingMessage } from '@imbridge/contracts';
import { mpUtf8Length, renderMpMessage, splitMpText } from '@imbridge/platform-mp';

/** Appended to a page when more of the answer is waiting. */
export const MP_CONTINUE_HINT = '（回复「继续」查看更多）';
const SEPARATOR = '\n\n';

/**
 * The text a passive reply carries for a queued message, or null when the message cannot go out as
 * text (an image or file of ours: a passive reply would need a platform media id first).
 */
export function passiveTextOf(message: OutgoingMessage): string | null {
  if (message.type === 'image') return null;
  if (message.type === 'file' && !message.url) return null;
  const parts = renderMpMessage(message);
  if (parts.length === 0) return null;
  return parts.map((p) => p.preview).join('');
}

export interface PendingText {
  id: string;
  /** The message's whole text. */
  text: string;
  /** How much of it was handed out already (string index). */
  offset: number;
}

export interface Page {
  text: string;
  /** New offset per message that this page advanced. */
  advanced: { id: string; offset: number; done: boolean }[];
  /** Something is left after this page (a later message, or the rest of a long one). */
  more: boolean;
}

/**
 * Builds one passive reply from the messages waiting for the user, oldest first, joined by a blank
 * line, within `pageBytes` UTF-8 bytes (the 「继续」 hint and `suffix` included). A message too long for
 * what is left of the page is cut at a line break or character boundary and continues on the next
 * page; a later message that would only get a sliver of the page waits for the next one.
 */
export function buildPage(pending: PendingText[], pageBytes: number, suffix = ''): Page {
  const suffixBytes = suffix ? mpUtf8Length(SEPARATOR + suffix) : 0;
  const hintBytes = mpUtf8Length(SEPARATOR + MP_CONTINUE_HINT);
  // Never below a usable page, whatever the settings: the parking text may be long.
  let room = Math.max(120, pageBytes - hintBytes - suffixBytes);
  const chunks: string[] = [];
  const advanced: Page['advanced'] = [];
  let more = false;
  for (const p of pending) {
    const rest = p.text.slice(p.offset);
    const sep = chunks.length > 0 ? SEPARATOR : '';
    const need = mpUtf8Length(sep + rest);
    if (need <= room) {
      chunks.push(sep + rest);
      advanced.push({ id: p.id, offset: p.text.length, done: true });
      room -= need;
      continue;
    }
    const avail = room - mpUtf8Length(sep);
    // A later message is not started in the last few bytes of a page.
    if (chunks.length === 0 || avail >= 200) {
      const [head] = splitMpText(rest, Math.max(4, avail));
      if (head) {
        chunks.push(sep + head);
        advanced.push({ id: p.id, offset: p.offset + head.length, done: false });
      }
    }
    more = true;
    break;
  }
  let text = chunks.join('');
  if (more) text += SEPARATOR + MP_CONTINUE_HINT;
  if (suffix) text = text ? text + SEPARATOR + suffix : suffix;
  return { text, advanced, more };
}
