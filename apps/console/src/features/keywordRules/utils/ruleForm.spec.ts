import { describe, expect, it } from 'vitest';
import { ALL_INTEGRATIONS, buildRuleBody, initialRuleValues, invalidRegexes, ruleFieldPath } from './ruleForm';

describe('keyword rule form model', () => {
  it('maps server field paths onto form fields', () => {
    expect(ruleFieldPath('name')).toEqual(['name']);
    expect(ruleFieldPath('keywords.2')).toEqual(['keywords']);
    expect(ruleFieldPath('keywords[0]')).toEqual(['keywords']);
    expect(ruleFieldPath('reply.text')).toEqual(['reply', 'text']);
    expect(ruleFieldPath('reply')).toEqual(['reply', 'type']);
    expect(ruleFieldPath('reply.articles.1.url')).toEqual(['reply', 'articles', 1, 'url']);
    expect(ruleFieldPath('reply.articles')).toEqual(['reply', 'type']);
    expect(ruleFieldPath('body.priority')).toEqual(['priority']);
    expect(ruleFieldPath('somethingElse')).toBeNull();
  });

  it('builds the request body: null integration for "all", trimmed keywords, only the chosen reply', () => {
    const values = initialRuleValues();
    expect(values.integrationId).toBe(ALL_INTEGRATIONS);
    const body = buildRuleBody({
      ...values,
      name: ' 价格 ',
      keywords: [' 价格 ', '', '报价'],
      reply: { type: 'news', text: 'ignored', articles: [{ title: ' 价目表 ', url: 'https://a.example/p', description: '' }] },
    });
    expect(body).toEqual({
      integrationId: null,
      name: '价格',
      keywords: ['价格', '报价'],
      matchType: 'contains',
      priority: 100,
      enabled: true,
      reply: { type: 'news', articles: [{ title: '价目表', url: 'https://a.example/p' }] },
    });
  });

  it('finds keywords that are not valid regular expressions', () => {
    expect(invalidRegexes(['^价格$', '(unclosed', '[a-'])).toEqual(['(unclosed', '[a-']);
  });
});
