/**
 * Benchmark (prints numbers; not a test):
 *   npx ts-node --transpile-only libs/faq-matcher/src/faq-matcher.bench.ts
 * Builds an index of 5,000 synthetic entries (the evaluation FAQ's phrasings recombined with
 * product names so the vocabulary is realistic and varied) and times queries of the evaluation set.
 */
import { performance } from 'node:perf_hooks';
import { FaqMatcher, type FaqEntry } from './faq-matcher';
import { EVAL_QUERIES, FAQ_ENTRIES } from './eval/faq-eval.data';

const PRODUCTS = ['蓝牙耳机', '充电宝', '智能手表', '扫地机器人', '电动牙刷', '空气净化器', '路由器', '机械键盘', '显示器', '投影仪', 'iPad保护壳', '移动硬盘', '咖啡机', '加湿器', '电饭煲', '吹风机', 'Switch手柄', '行车记录仪', '台灯', '净水器'];
const REGIONS = ['北京', '上海', '广州', '深圳', '成都', '杭州', '武汉', '西安', '南京', '重庆'];

function synth(count: number): FaqEntry[] {
  const out: FaqEntry[] = [];
  for (let i = 0; i < count; i++) {
    const base = FAQ_ENTRIES[i % FAQ_ENTRIES.length]!;
    const p = PRODUCTS[Math.floor(i / FAQ_ENTRIES.length) % PRODUCTS.length]!;
    const r = REGIONS[Math.floor(i / (FAQ_ENTRIES.length * PRODUCTS.length)) % REGIONS.length]!;
    out.push({
      ...base,
      id: `${base.id}-${i}`,
      question: `${p}${base.question}`,
      similarQuestions: base.similarQuestions.map((s, k) => (k === 0 ? `${r}${s}` : `${s}${p}`)),
    });
  }
  return out;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

const entries = synth(5000);
const phrasings = entries.reduce((n, x) => n + 1 + x.similarQuestions.length, 0);
new FaqMatcher(entries.slice(0, 500)); // warm-up
const [matcher, buildMs] = time(() => new FaqMatcher(entries));
console.log(`index: ${entries.length} entries / ${phrasings} phrasings built in ${buildMs.toFixed(1)} ms`);

const queries = EVAL_QUERIES.map((q) => q.query);
for (let i = 0; i < 200; i++) matcher.match(queries[i % queries.length]!); // warm-up
const samples: number[] = [];
for (let round = 0; round < 20; round++)
  for (const q of queries) samples.push(time(() => matcher.match(q, { suggestions: 3 }))[1]);
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
console.log(
  `match over 5,000 entries: ${samples.length} queries, mean ${(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3)} ms, p50 ${pct(50).toFixed(3)} ms, p95 ${pct(95).toFixed(3)} ms, p99 ${pct(99).toFixed(3)} ms, max ${pct(100).toFixed(3)} ms`,
);
const huge = '我要退款'.repeat(25_000);
console.log(`100 KB query: ${time(() => matcher.match(huge))[1].toFixed(3)} ms`);

const small = new FaqMatcher(FAQ_ENTRIES);
const [, smallMs] = time(() => {
  for (let round = 0; round < 20; round++) for (const q of queries) small.match(q);
});
console.log(`match over the ${FAQ_ENTRIES.length}-entry evaluation FAQ: mean ${(smallMs / (20 * queries.length)).toFixed(3)} ms`);
