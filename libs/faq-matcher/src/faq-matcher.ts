/**
 * FAQ matcher for Chinese (and mixed Latin) customer questions.
 *
 * Every enabled entry contributes one "document" per phrasing (its question and each similar
 * question). A document is a TF-IDF vector over Han character unigrams + bigrams and Latin/digit
 * word tokens (see `terms()`); IDF comes from the corpus itself. A query is scored against every
 * phrasing by cosine similarity (0..1) through an inverted index, plus a small bonus when one
 * normalized text contains the other; an entry's score is the best of its phrasings.
 */
import { normalize, stripFillers, terms } from './normalize';

export interface FaqEntry {
  readonly id: string;
  readonly question: string;
  readonly similarQuestions: readonly string[];
  readonly answer: string;
  readonly category?: string;
  readonly enabled: boolean;
}

export interface FaqBest<E extends FaqEntry = FaqEntry> {
  readonly entry: E;
  /** 0..1 */
  readonly score: number;
  /** The phrasing (original text) that matched best. */
  readonly matchedQuestion: string;
}

export interface FaqSuggestion<E extends FaqEntry = FaqEntry> {
  readonly entry: E;
  readonly score: number;
}

export interface FaqMatchResult<E extends FaqEntry = FaqEntry> {
  readonly best: FaqBest<E> | null;
  /** "Did you mean": next candidates (excluding `best`) scoring at least `suggestionFloor`, best first. */
  readonly suggestions: readonly FaqSuggestion<E>[];
}

export interface FaqMatchOptions {
  /** `best` is set only when the top score is ≥ this. Default {@link DEFAULT_THRESHOLD}. */
  readonly threshold?: number;
  /** How many suggestions at most. Default 3; 0 disables. */
  readonly suggestions?: number;
  /** Suggestions must score at least this. Default {@link DEFAULT_SUGGESTION_FLOOR}. */
  readonly suggestionFloor?: number;
  /** Only entries of this category. */
  readonly category?: string;
}

/** Chosen on the tuning half of the labelled set (see README and eval/evaluate.ts). */
export const DEFAULT_THRESHOLD = 0.3;
/** Floor for "did you mean" suggestions. */
export const DEFAULT_SUGGESTION_FLOOR = 0.15;

/** Weights by term kind: bigrams and Latin words carry more meaning than single characters. */
const KIND_WEIGHT: Record<string, number> = { u: 1, b: 1.6, w: 1.6 };
/**
 * Question words that say "this is a question" but not what about (怎么/什么/多少/时候 …):
 * IDF alone leaves them too strong in a small FAQ, so they weigh a fraction of a content term.
 */
const WEAK_TERMS = new Set(
  [
    'b:怎么', 'b:么办', 'b:什么', 'b:多少', 'b:时候', 'b:可以', 'b:能不', 'b:哪里', 'b:哪些', 'b:有没',
    'b:没有', 'b:是不', 'b:不是', 'b:么时', 'b:么用', 'b:能用', 'b:还能', 'b:一个', 'b:这个', 'b:有什',
    'b:是什', 'b:么样', 'b:在哪', 'b:哪家', 'b:多久', 'u:怎', 'u:什', 'u:办', 'u:多', 'u:少', 'u:吗',
    'u:哪', 'u:时', 'u:候', 'u:不', 'u:没', 'u:用', 'u:能', 'u:些', 'u:会', 'u:想',
  ],
);
const WEAK_FACTOR = 0.3;
/** IDF multiplier for query terms unseen in the corpus (they lower the cosine, but less than a rare known term). */
const UNKNOWN_IDF_FACTOR = 0.5;
/** Added (then capped at 1) when one normalized phrasing contains the other. */
const CONTAINMENT_BONUS = 0.1;

interface Doc {
  readonly entryIndex: number;
  readonly text: string;
  /** Normalized, fillers stripped, no spaces — for containment checks. */
  readonly compact: string;
}

/** Scoring knobs (defaults chosen on the tuning half of the evaluation set). */
export interface FaqScoringOptions {
  readonly bigramWeight?: number;
  readonly weakFactor?: number;
  readonly unknownIdfFactor?: number;
  readonly containmentBonus?: number;
}

export class FaqMatcher<E extends FaqEntry = FaqEntry> {
  private readonly kindWeight: Record<string, number>;
  private readonly weakFactor: number;
  private readonly unknownIdfFactor: number;
  private readonly containmentBonus: number;
  private readonly entries: E[] = [];
  private readonly docs: Doc[] = [];
  private readonly idf = new Map<string, number>();
  private readonly postings = new Map<string, { docs: number[]; weights: number[] }>();
  private maxIdf = 1;

  constructor(entries: Iterable<E>, scoring: FaqScoringOptions = {}) {
    const bw = scoring.bigramWeight ?? KIND_WEIGHT['b']!;
    this.kindWeight = { u: 1, b: bw, w: bw };
    this.weakFactor = scoring.weakFactor ?? WEAK_FACTOR;
    this.unknownIdfFactor = scoring.unknownIdfFactor ?? UNKNOWN_IDF_FACTOR;
    this.containmentBonus = scoring.containmentBonus ?? CONTAINMENT_BONUS;
    const docTerms: Map<string, number>[] = [];
    const df = new Map<string, number>();
    for (const entry of entries) {
      if (!entry.enabled) continue;
      const entryIndex = this.entries.push(entry) - 1;
      const seen = new Set<string>();
      for (const text of [entry.question, ...entry.similarQuestions]) {
        const compact = compactOf(text);
        if (!compact || seen.has(compact)) continue;
        seen.add(compact);
        const t = terms(text);
        if (t.size === 0) continue;
        this.docs.push({ entryIndex, text, compact });
        docTerms.push(t);
        for (const term of t.keys()) df.set(term, (df.get(term) ?? 0) + 1);
      }
    }
    const n = this.docs.length;
    for (const [term, f] of df) this.idf.set(term, Math.log(1 + n / f));
    this.maxIdf = Math.log(1 + Math.max(n, 1));
    docTerms.forEach((t, docIndex) => {
      const vec = this.weigh(t);
      for (const [term, w] of vec) {
        let p = this.postings.get(term);
        if (!p) this.postings.set(term, (p = { docs: [], weights: [] }));
        p.docs.push(docIndex);
        p.weights.push(w);
      }
    });
  }

  /** Number of enabled entries indexed. */
  get size(): number {
    return this.entries.length;
  }

  /** Unit-length TF-IDF vector of a term-count map. */
  private weigh(t: Map<string, number>): Map<string, number> {
    const vec = new Map<string, number>();
    let norm = 0;
    for (const [term, tf] of t) {
      const idf = this.idf.get(term) ?? this.maxIdf * this.unknownIdfFactor;
      const w = (1 + Math.log(tf)) * idf * (this.kindWeight[term[0]!] ?? 1) * (WEAK_TERMS.has(term) ? this.weakFactor : 1);
      vec.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of vec) vec.set(term, w / norm);
    return vec;
  }

  /** Best score per entry, highest first (entries with score 0 omitted). */
  rank(query: string, category?: string): Array<{ entryIndex: number; score: number; docIndex: number }> {
    const q = this.weigh(terms(query));
    if (q.size === 0 || this.docs.length === 0) return [];
    const acc = new Float64Array(this.docs.length);
    const touched: number[] = [];
    for (const [term, qw] of q) {
      const p = this.postings.get(term);
      if (!p) continue;
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i]!;
        if (acc[d] === 0) touched.push(d);
        acc[d] += qw * p.weights[i]!;
      }
    }
    const qCompact = compactOf(query);
    const best = new Map<number, { score: number; docIndex: number }>();
    for (const docIndex of touched) {
      const cos = acc[docIndex]!;
      const doc = this.docs[docIndex]!;
      const entry = this.entries[doc.entryIndex]!;
      if (category !== undefined && entry.category !== category) continue;
      let score = Math.min(1, cos);
      if (qCompact === doc.compact) score = 1;
      else if (
        qCompact.length >= 2 &&
        doc.compact.length >= 2 &&
        (doc.compact.includes(qCompact) || qCompact.includes(doc.compact))
      )
        score = Math.min(1, score + this.containmentBonus);
      const prev = best.get(doc.entryIndex);
      if (!prev || score > prev.score) best.set(doc.entryIndex, { score, docIndex });
    }
    return Array.from(best, ([entryIndex, v]) => ({ entryIndex, ...v })).sort(
      (a, b) => b.score - a.score || a.entryIndex - b.entryIndex,
    );
  }

  match(query: string, options: FaqMatchOptions = {}): FaqMatchResult<E> {
    const threshold = options.threshold ?? DEFAULT_THRESHOLD;
    const n = Math.max(0, options.suggestions ?? 3);
    const floor = options.suggestionFloor ?? Math.min(DEFAULT_SUGGESTION_FLOOR, threshold);
    const ranked = this.rank(query, options.category);
    let best: FaqBest<E> | null = null;
    let rest = ranked;
    const top = ranked[0];
    if (top && top.score >= threshold) {
      best = {
        entry: this.entries[top.entryIndex]!,
        score: round(top.score),
        matchedQuestion: this.docs[top.docIndex]!.text,
      };
      rest = ranked.slice(1);
    }
    const suggestions: FaqSuggestion<E>[] = [];
    for (const r of rest) {
      if (suggestions.length >= n || r.score < floor) break;
      suggestions.push({ entry: this.entries[r.entryIndex]!, score: round(r.score) });
    }
    return { best, suggestions };
  }
}

function compactOf(text: string): string {
  return stripFillers(normalize(text)).replace(/ /g, '');
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Convenience: build an index. */
export function buildFaqMatcher<E extends FaqEntry>(entries: Iterable<E>, scoring?: FaqScoringOptions): FaqMatcher<E> {
  return new FaqMatcher(entries, scoring);
}
