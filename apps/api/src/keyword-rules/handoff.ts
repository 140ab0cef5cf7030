import { MAX_MATCH_INPUT, normalizeForMatch } from './keyword-matcher';

/**
 * Words with which a customer asks for a person. Compared after NFKC and lower-casing: CJK words as
 * substrings, Latin words as whole
 * words (not inside other Latin letters or digits: "agent" does not fire on "agenda", does on "转agent").
 */
export const HANDOFF_KEYWORDS: readonly string[] = ['人工', '客服', '转人工', '人工客服', '真人', 'human', 'agent'];

/** The acknowledgement sent once when a chat is handed to the agents' queue. */
export const HANDOFF_ACK = '已为您转接人工客服，请稍候。';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first handoff keyword the text contains, or null. */
export function matchHandoff(text: string, keywords: readonly string[] = HANDOFF_KEYWORDS): string | null {
  const t = normalizeForMatch(text.slice(0, MAX_MATCH_INPUT));
  for (const raw of keywords) {
    const k = normalizeForMatch(raw);
    if (!k) continue;
    const hit = /^[\x20-\x7e]+$/.test(k) ? new RegExp(`(?<![a-z0-9])${escape(k)}(?![a-z0-9])`).test(t) : t.includes(k);
    if (hit) return raw;
  }
  return null;
}
