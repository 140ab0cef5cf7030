import { MAX_INPUT_CHARS, normalize, runs, terms, toSimplified } from './normalize';

describe('normalize', () => {
  it('lower-cases, folds full-width letters and digits (NFKC)', () => {
    expect(normalize('ＶＩＰ会员１２３')).toBe('vip会员123');
    expect(normalize('iPhone 15 Pro')).toBe('iphone 15 pro');
  });

  it('strips punctuation, emoji and spaces between Han characters', () => {
    expect(normalize('  怎么 退款？？😭！ ')).toBe('怎么退款');
    expect(normalize('【发票】，怎么开。')).toBe('发票怎么开');
    expect(normalize('😂😂😂')).toBe('');
  });

  it('keeps one space between Latin/digit words, none next to Han', () => {
    expect(normalize('支持 iPhone 15 吗')).toBe('支持iphone 15吗');
    expect(normalize('hello, world!')).toBe('hello world');
  });

  it('maps common traditional characters to simplified', () => {
    expect(toSimplified('發貨價格')).toBe('发货价格');
    expect(normalize('密碼忘記了')).toBe('密码忘记了');
    expect(normalize('營業時間')).toBe('营业时间');
  });

  it('maps colloquial forms and common typos to a standard form', () => {
    expect(normalize('咋退款')).toBe('怎么退款');
    expect(normalize('这是啥')).toBe('这是什么');
    expect(normalize('多钱')).toBe('多少钱');
    expect(normalize('优惠卷')).toBe('优惠券');
    expect(normalize('登陆不上')).toBe('登录不上');
  });

  it('handles empty and nullish input', () => {
    expect(normalize('')).toBe('');
    expect(normalize(undefined)).toBe('');
    expect(normalize(null)).toBe('');
    expect(terms('').size).toBe(0);
  });

  it('caps very long input', () => {
    const long = '退款'.repeat(50_000); // 100 KB
    const started = Date.now();
    expect(normalize(long).length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('runs / terms', () => {
  it('splits Han and Latin runs', () => {
    expect(runs('支持iphone 15吗')).toEqual([
      { han: true, text: '支持' },
      { han: false, text: 'iphone' },
      { han: false, text: '15' },
      { han: true, text: '吗' },
    ]);
  });

  it('produces Han unigrams (minus particles), bigrams and Latin words; drops polite fillers', () => {
    const t = terms('请问，退款吗？VIP');
    expect([...t.keys()].sort()).toEqual(['b:款吗', 'b:退款', 'u:款', 'u:退', 'w:vip'].sort());
  });
});
