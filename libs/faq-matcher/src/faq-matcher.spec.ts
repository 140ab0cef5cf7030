import { DEFAULT_THRESHOLD, FaqMatcher, type FaqEntry } from './faq-matcher';
import { FAQ_ENTRIES } from './eval/faq-eval.data';

const entry = (id: string, question: string, similarQuestions: string[] = [], extra: Partial<FaqEntry> = {}): FaqEntry => ({
  id,
  question,
  similarQuestions,
  answer: `answer ${id}`,
  enabled: true,
  ...extra,
});

const small = [
  entry('refund', '怎么申请退款', ['退款流程是什么']),
  entry('refund-time', '退款多久到账', ['钱什么时候退回来']),
  entry('invoice', '怎么开发票', ['发票怎么申请']),
  entry('hours', '客服工作时间是几点到几点', ['你们几点上班']),
  entry('iphone', '这个充电器支持iPhone吗', [], { category: '商品' }),
  entry('off', '已下线的问题', [], { enabled: false }),
];

describe('FaqMatcher scoring', () => {
  const m = new FaqMatcher(small);

  it('indexes only enabled entries', () => {
    expect(m.size).toBe(5);
    expect(m.match('已下线的问题', { threshold: 0 }).best?.entry.id).not.toBe('off');
  });

  it('scores exact > paraphrase > unrelated, all within 0..1', () => {
    const exact = m.match('怎么申请退款').best!;
    const para = m.match('退款要怎么申请呀').best!;
    const unrelated = m.match('今天天气不错', { threshold: 0 }).best;
    expect(exact.entry.id).toBe('refund');
    expect(exact.score).toBe(1);
    expect(para.entry.id).toBe('refund');
    expect(para.score).toBeLessThan(exact.score);
    expect(para.score).toBeGreaterThan(unrelated?.score ?? 0);
    for (const s of [exact.score, para.score, unrelated?.score ?? 0]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('takes the best of the question and its similar questions and reports which matched', () => {
    const r = m.match('你们几点上班？');
    expect(r.best?.entry.id).toBe('hours');
    expect(r.best?.matchedQuestion).toBe('你们几点上班');
  });

  it('is insensitive to punctuation, emoji, width, case and traditional characters', () => {
    expect(m.match('怎麼開發票？？😊').best?.entry.id).toBe('invoice');
    expect(m.match('支持ＩＰＨＯＮＥ吗').best?.entry.id).toBe('iphone');
  });

  it('gives a small bonus for containment', () => {
    const contained = m.match('退款多久到账', { threshold: 0 }).best!.score;
    const longer = m.match('我的退款多久到账啊', { threshold: 0 }).best!;
    expect(longer.entry.id).toBe('refund-time');
    expect(longer.score).toBeLessThanOrEqual(contained);
    expect(longer.score).toBeGreaterThan(0.5);
  });

  it('filters by category', () => {
    expect(m.match('支持iPhone吗', { category: '商品' }).best?.entry.id).toBe('iphone');
    const r = m.match('怎么开发票', { category: '商品', threshold: 0, suggestionFloor: 0 });
    expect([r.best, ...r.suggestions].every((x) => x === null || x.entry.category === '商品')).toBe(true);
    expect(m.match('怎么开发票').best?.entry.id).toBe('invoice');
  });
});

describe('FaqMatcher threshold and suggestions', () => {
  const m = new FaqMatcher(small);

  it('sets best only at or above the threshold', () => {
    const score = m.match('退款', { threshold: 0 }).best!.score;
    expect(m.match('退款', { threshold: score }).best).not.toBeNull();
    expect(m.match('退款', { threshold: score + 0.0001 }).best).toBeNull();
  });

  it('offers "did you mean" suggestions below the threshold, best first, capped at n', () => {
    const r = m.match('退款', { threshold: 0.99, suggestions: 2, suggestionFloor: 0.05 });
    expect(r.best).toBeNull();
    expect(r.suggestions.length).toBe(2);
    expect(r.suggestions.map((s) => s.entry.id).sort()).toEqual(['refund', 'refund-time']);
    expect(r.suggestions[0]!.score).toBeGreaterThanOrEqual(r.suggestions[1]!.score);
  });

  it('suggestions exclude best and respect the floor', () => {
    const r = m.match('退款多久到账', { suggestions: 5, suggestionFloor: 0.05 });
    expect(r.best?.entry.id).toBe('refund-time');
    expect(r.suggestions.map((s) => s.entry.id)).not.toContain('refund-time');
    expect(r.suggestions.every((s) => s.score >= 0.05)).toBe(true);
    expect(m.match('退款多久到账', { suggestions: 5, suggestionFloor: 0.99 }).suggestions).toEqual([]);
    expect(m.match('退款多久到账', { suggestions: 0 }).suggestions).toEqual([]);
  });

  it('has a documented default threshold', () => {
    expect(DEFAULT_THRESHOLD).toBeGreaterThan(0);
    expect(DEFAULT_THRESHOLD).toBeLessThan(1);
  });
});

describe('FaqMatcher edge cases', () => {
  it('handles empty input and an empty index', () => {
    const m = new FaqMatcher(small);
    expect(m.match('')).toEqual({ best: null, suggestions: [] });
    expect(m.match('？！😂')).toEqual({ best: null, suggestions: [] });
    expect(new FaqMatcher([]).match('退款')).toEqual({ best: null, suggestions: [] });
  });

  it('does not hang on a 100 KB query', () => {
    const m = new FaqMatcher(FAQ_ENTRIES);
    const huge = '我要退款'.repeat(25_000) + '😂'.repeat(1000);
    const started = Date.now();
    const r = m.match(huge);
    expect(Date.now() - started).toBeLessThan(500);
    expect(r.best?.entry.id).toBe('refund-how');
  });

  it('indexes 5,000 entries and matches quickly (smoke, generous bounds)', () => {
    const many: FaqEntry[] = [];
    for (let i = 0; i < 5000; i++) {
      const base = FAQ_ENTRIES[i % FAQ_ENTRIES.length]!;
      many.push({ ...base, id: `${base.id}-${i}`, question: `${base.question}${i}号` });
    }
    const started = Date.now();
    const m = new FaqMatcher(many);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(m.match('退款多久到账').best).not.toBeNull();
  });
});
