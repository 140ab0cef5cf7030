/**
 * Precision / recall of the FAQ matcher on the labelled set.
 *
 * A query counts as a true positive when `best` is the expected entry; a false positive when `best`
 * is set but wrong (a different entry, or any entry for an out-of-scope query); a false negative
 * when an in-scope query does not get its expected entry (no answer, or a wrong one).
 *   precision = TP / (TP + FP), recall = TP / in-scope queries, F1 = harmonic mean.
 * The set is split deterministically: even positions tune the threshold, odd positions are held out.
 *
 * Run: `npx ts-node --transpile-only libs/faq-matcher/src/eval/evaluate.ts` (prints the tables).
 */
import { FaqMatcher, type FaqEntry } from '../faq-matcher';
import { EVAL_QUERIES, FAQ_ENTRIES, type EvalQuery } from './faq-eval.data';

export interface Metrics {
  readonly threshold: number;
  readonly n: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface Miss {
  readonly query: string;
  readonly expected: string | null;
  readonly got: string | null;
  readonly score: number;
}

/** Top entry and its score for each query (threshold-independent; thresholds are applied afterwards). */
export function scoreAll(matcher: FaqMatcher, queries: readonly EvalQuery[]) {
  return queries.map((item) => {
    const top = matcher.match(item.query, { threshold: 0, suggestions: 0 }).best;
    return { ...item, got: top?.entry.id ?? null, score: top?.score ?? 0 };
  });
}

type Scored = ReturnType<typeof scoreAll>[number];

export function metricsAt(scored: readonly Scored[], threshold: number): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const s of scored) {
    const predicted = s.score >= threshold ? s.got : null;
    if (predicted !== null && predicted === s.expected) tp++;
    else {
      if (predicted !== null) fp++;
      if (s.expected !== null) fn++;
    }
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, n: scored.length, tp, fp, fn, precision, recall, f1 };
}

export function misses(scored: readonly Scored[], threshold: number): Miss[] {
  return scored
    .filter((s) => (s.score >= threshold ? s.got : null) !== s.expected)
    .map(({ query, expected, got, score }) => ({ query, expected, got, score }));
}

export const SWEEP = Array.from({ length: 15 }, (_, i) => Math.round((0.15 + i * 0.05) * 100) / 100);

export function split(queries: readonly EvalQuery[]) {
  return {
    tune: queries.filter((_, i) => i % 2 === 0),
    heldOut: queries.filter((_, i) => i % 2 === 1),
  };
}

/** Threshold with the best F1 on the tuning half (ties → the higher threshold, i.e. more precise). */
export function chooseThreshold(scored: readonly Scored[]): number {
  let best = metricsAt(scored, SWEEP[0]!);
  for (const t of SWEEP) {
    const m = metricsAt(scored, t);
    if (m.f1 >= best.f1) best = m;
  }
  return best.threshold;
}

export function evaluate(entries: readonly FaqEntry[] = FAQ_ENTRIES, queries: readonly EvalQuery[] = EVAL_QUERIES) {
  const matcher = new FaqMatcher(entries);
  const { tune, heldOut } = split(queries);
  const tuneScored = scoreAll(matcher, tune);
  const heldScored = scoreAll(matcher, heldOut);
  const allScored = [...tuneScored, ...heldScored];
  const threshold = chooseThreshold(tuneScored);
  return {
    threshold,
    counts: {
      entries: entries.length,
      queries: queries.length,
      outOfScope: queries.filter((x) => x.expected === null).length,
      tune: tune.length,
      heldOut: heldOut.length,
    },
    tune: metricsAt(tuneScored, threshold),
    heldOut: metricsAt(heldScored, threshold),
    all: metricsAt(allScored, threshold),
    sweep: SWEEP.map((t) => ({ t, tune: metricsAt(tuneScored, t), heldOut: metricsAt(heldScored, t) })),
    heldOutMisses: misses(heldScored, threshold),
    tuneMisses: misses(tuneScored, threshold),
  };
}

const f = (x: number) => x.toFixed(3);

export function report(r: ReturnType<typeof evaluate>): string {
  const lines: string[] = [];
  lines.push(
    `FAQ entries: ${r.counts.entries}; queries: ${r.counts.queries} (${r.counts.outOfScope} out of scope); tune ${r.counts.tune} / held-out ${r.counts.heldOut}`,
  );
  lines.push(`chosen threshold (best F1 on tune half): ${r.threshold}`);
  for (const [name, m] of [['tune', r.tune], ['held-out', r.heldOut], ['all', r.all]] as const)
    lines.push(`${name.padEnd(9)} P=${f(m.precision)} R=${f(m.recall)} F1=${f(m.f1)} (tp ${m.tp}, fp ${m.fp}, fn ${m.fn}, n ${m.n})`);
  lines.push('');
  lines.push('threshold | tune P  R  F1          | held-out P  R  F1');
  for (const s of r.sweep)
    lines.push(
      `${s.t.toFixed(2).padStart(9)} | ${f(s.tune.precision)} ${f(s.tune.recall)} ${f(s.tune.f1)} | ${f(s.heldOut.precision)} ${f(s.heldOut.recall)} ${f(s.heldOut.f1)}`,
    );
  lines.push('');
  lines.push('misses at the chosen threshold (query → expected / got @score):');
  for (const m of [...r.tuneMisses, ...r.heldOutMisses]) lines.push(`  ${m.query} → ${m.expected} / ${m.got} @${f(m.score)}`);
  return lines.join('\n');
}

if (require.main === module) console.log(report(evaluate()));
