import type { KeywordMatchType } from '@imbridge/persistence';

/** Longest regex source accepted. */
export const MAX_PATTERN_LENGTH = 200;
/** Matching looks at this many characters of a message at most: bounds the cost of any pattern. */
export const MAX_MATCH_INPUT = 2000;

/** NFKC folds full-width to half-width (Ａ１ → A1, ？ → ?); lower case makes Latin case-insensitive. */
export function normalizeForMatch(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase();
}

/**
 * Why a pattern is refused, or null when it is acceptable: it must compile with the `u` flag, be at
 * most MAX_PATTERN_LENGTH long, and have no construct known for catastrophic backtracking — a
 * repeated group that itself contains a repetition (`(a+)+`, `(\w*)*`, `(a{2,})+`) or an alternation
 * (`(a|aa)+`), or a back-reference.
 */
export function regexProblem(pattern: string): { en: string; zh: string } | null {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { en: `regex longer than ${MAX_PATTERN_LENGTH} characters`, zh: `正则表达式不能超过 ${MAX_PATTERN_LENGTH} 个字符` };
  }
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return { en: `invalid regex: ${(err as Error).message}`, zh: `正则表达式无效：${(err as Error).message}` };
  }
  if (hasRiskyRepetition(pattern)) {
    return {
      en: 'regex may backtrack catastrophically (a repeated group containing a repetition, an alternation or a back-reference)',
      zh: '正则表达式可能导致灾难性回溯（重复的分组内含重复、分支或反向引用），请简化',
    };
  }
  return null;
}

interface GroupScan {
  repeats: boolean;
  alternates: boolean;
}

/** A small scanner over a pattern that already compiled with `u`; conservative, not a full parser. */
function hasRiskyRepetition(p: string): boolean {
  const root: GroupScan = { repeats: false, alternates: false };
  const stack: GroupScan[] = [];
  let i = 0;
  // Set by `)`: the group just closed, so a following quantifier applies to it.
  let closed: GroupScan | null = null;
  while (i < p.length) {
    const c = p.charAt(i);
    const top = stack.at(-1) ?? root;
    const q = quantifierAt(p, i);
    if (q) {
      if (q.repeating) {
        if (closed && (closed.repeats || closed.alternates)) return true;
        top.repeats = true;
      }
      if (closed?.repeats) top.repeats = true;
      closed = null;
      i += q.length;
      continue;
    }
    if (closed) {
      if (closed.repeats) top.repeats = true;
      closed = null;
    }
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && p[i + 2] === '<')) return true;
      i += 2;
      continue;
    }
    if (c === '[') {
      i = endOfClass(p, i);
      continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      i += 1;
      continue;
    }
    if (c === ')') {
      closed = stack.pop() ?? null;
      i += 1;
      continue;
    }
    if (c === '|') top.alternates = true;
    i += 1;
  }
  return false;
}

function quantifierAt(p: string, i: number): { length: number; repeating: boolean } | null {
  const c = p[i];
  let length = 0;
  let repeating = false;
  if (c === '*' || c === '+') {
    length = 1;
    repeating = true;
  } else if (c === '?') {
    length = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return null;
    length = m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    repeating = max > 1;
  } else {
    return null;
  }
  if (p[i + length] === '?') length += 1; // lazy
  return { length, repeating };
}

function endOfClass(p: string, start: number): number {
  let i = start + 1;
  while (i < p.length) {
    if (p[i] === '\\') i += 2;
    else if (p[i] === ']') return i + 1;
    else i += 1;
  }
  return i;
}

const compiled = new Map<string, RegExp>();

/** Compiled patterns, cached (bounded) so hot rules are not recompiled per message. */
function regexOf(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

export interface MatchableRule {
  keywords: string[];
  matchType: KeywordMatchType;
}

/** The first keyword of the rule that matches the text, or null. */
export function matchingKeyword(rule: MatchableRule, text: string): string | null {
  const input = text.slice(0, MAX_MATCH_INPUT);
  if (rule.matchType === 'regex') {
    for (const k of rule.keywords) {
      try {
        if (regexOf(k).test(input)) return k;
      } catch {
        // Refused at save; a pattern stored before a rule change is skipped rather than failing the pipeline.
      }
    }
    return null;
  }
  const normalized = normalizeForMatch(input);
  for (const k of rule.keywords) {
    const nk = normalizeForMatch(k);
    if (nk === '') continue;
    if (rule.matchType === 'exact' ? normalized === nk : normalized.includes(nk)) return k;
  }
  return null;
}
