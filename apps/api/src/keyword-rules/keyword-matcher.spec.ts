import { matchingKeyword, MAX_MATCH_INPUT, normalizeForMatch, regexProblem } from './keyword-matcher';

describe('normalizeForMatch', () => {
  it('folds full-width to half-width, Latin case, and surrounding space', () => {
    expect(normalizeForMatch('  ＡＢＣ１２３？ ')).toBe('abc123?');
    expect(normalizeForMatch('Price')).toBe('price');
    expect(normalizeForMatch('价格')).toBe('价格');
  });
});

describe('matchingKeyword', () => {
  it('exact compares the whole trimmed message', () => {
    const rule = { keywords: ['价格', 'PRICE'], matchType: 'exact' as const };
    expect(matchingKeyword(rule, ' 价格 ')).toBe('价格');
    expect(matchingKeyword(rule, 'ｐｒｉｃｅ')).toBe('PRICE');
    expect(matchingKeyword(rule, '价格多少')).toBeNull();
  });

  it('contains looks for a substring after the same folding', () => {
    const rule = { keywords: ['发货'], matchType: 'contains' as const };
    expect(matchingKeyword(rule, '请问什么时候发货？')).toBe('发货');
    expect(matchingKeyword(rule, '退款')).toBeNull();
    expect(matchingKeyword({ keywords: ['vip'], matchType: 'contains' }, '我是ＶＩＰ客户')).toBe('vip');
  });

  it('regex tests the original text, bounded to the first characters', () => {
    const rule = { keywords: ['^订单\\s*#?\\d{5}$'], matchType: 'regex' as const };
    expect(matchingKeyword(rule, '订单 #00123')).toBe(rule.keywords[0]);
    expect(matchingKeyword(rule, '订单 abc')).toBeNull();
    const late = { keywords: ['终点'], matchType: 'regex' as const };
    expect(matchingKeyword(late, `${'x'.repeat(MAX_MATCH_INPUT)}终点`)).toBeNull();
  });
});

describe('regexProblem', () => {
  it.each(['价格|报价', '^订单\\s*#?\\d{5}$', '(?:退款|退货)', '[a-z]+@[a-z]+\\.com', '(ab)+', '(a?)+', '\\p{Script=Han}{2,}'])('accepts %s', (p) => {
    expect(regexProblem(p)).toBeNull();
  });

  it.each(['(a+)+', '(a*)*$', '(\\w+\\s?)*$', '((a+))+', '(a{2,})+', '(a|aa)+', '(?:x|xy)*z', '(a)\\1'])('refuses %s', (p) => {
    expect(regexProblem(p)?.en).toContain('catastroph');
  });

  it('refuses what does not compile or is too long', () => {
    expect(regexProblem('(unclosed')?.en).toContain('invalid regex');
    expect(regexProblem('\\p{Nope}')?.en).toContain('invalid regex');
    expect(regexProblem('a'.repeat(201))?.en).toContain('longer than 200');
  });
});
