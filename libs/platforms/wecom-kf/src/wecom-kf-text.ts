/**
 * UTF-8 byte splitting for kf text (content ≤ 2048 bytes, doc 94677). The split loop is shared with
 * the WeCom app lib (wecom-common); kf keeps its own, simpler boundary choice.
 */
import { splitUtf8With } from '@imbridge/platform-wecom-common';

/**
 * Cut after the last line break, else after a sentence end (。！？.!?), when that keeps the part over
 * a quarter of the window; else at the limit.
 */
function kfCutPoint(text: string, start: number, limit: number): number {
  const window = text.slice(start, limit);
  const min = Math.floor(window.length / 4);
  let cut = window.lastIndexOf('\n') + 1;
  if (cut <= min) {
    cut = 0;
    for (let i = window.length - 1; i > min; i--) {
      if ('。！？.!?'.includes(window[i] as string)) {
        cut = i + 1;
        break;
      }
    }
  }
  return cut > min ? start + cut : limit;
}

/**
 * Splits into parts of ≤ maxBytes UTF-8 bytes that join back to `text`, preferring to cut after the
 * last line break, else after a sentence end (。！？.!?), when that keeps the part over a quarter
 * of the window; never inside a character.
 */
export function splitKfText(text: string, maxBytes: number): string[] {
  return splitUtf8With(text, maxBytes, kfCutPoint);
}
