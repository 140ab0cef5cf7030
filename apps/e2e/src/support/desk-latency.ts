import type { Page } from 'playwright-core';

/**
 * Latency across two browser contexts (the simulated WeCom user and the agent's console), measured
 * with the pages' own clocks: both run in one Chromium on one machine, so `Date.now()` agrees.
 */

/** Records, inside the chat page, when the send button is pressed (capture phase, before any work). */
export async function recordSendClicks(page: Page, sendSelector: string): Promise<void> {
  await page.evaluate(`document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest(${JSON.stringify(sendSelector)})) window.__deskSentAt = Date.now();
  }, true)`);
}

/** When the last send click happened (page clock, ms). */
export async function lastSendClick(page: Page): Promise<number> {
  const at = await page.evaluate<number | undefined>('window.__deskSentAt');
  if (typeof at !== 'number') throw new Error('no send click recorded on the chat page');
  return at;
}

/**
 * Starts watching `page` for a visible element matching `selector` (whose text contains `text`, if
 * given) and resolves with the page clock when it appears. Arm it before the action that causes it.
 */
export function watchForElement(page: Page, selector: string, text: string | null = null, timeoutMs = 15_000): Promise<number> {
  const fn = `(sel, text, timeoutMs) => new Promise((resolve, reject) => {
    const found = () => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0 && (text === null || (el.textContent || '').includes(text)));
    if (found()) { resolve(Date.now()); return; }
    const obs = new MutationObserver(() => {
      if (found()) { obs.disconnect(); clearTimeout(timer); resolve(Date.now()); }
    });
    const timer = setTimeout(() => { obs.disconnect(); reject(new Error('not seen within ' + timeoutMs + ' ms: ' + sel + (text === null ? '' : ' with ' + JSON.stringify(text)))); }, timeoutMs);
    obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  })`;
  return page.evaluate<number>(`(${fn})(${JSON.stringify(selector)}, ${JSON.stringify(text)}, ${timeoutMs})`);
}

export interface LatencySummary {
  samples: number[];
  p50: number;
  max: number;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const p50 = sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  return { samples, p50, max: sorted[sorted.length - 1] };
}
