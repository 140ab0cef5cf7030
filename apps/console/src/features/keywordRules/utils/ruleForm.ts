import type { KeywordReply, KeywordRuleInput, KeywordRuleView, MatchType, NewsArticle } from '../api/keywordRulesApi';

/** The select value standing for `integrationId: null` (antd selects treat null as "no value"). */
export const ALL_INTEGRATIONS = '__all__';
export const MAX_ARTICLES = 8;

export interface RuleFormValues {
  name: string;
  integrationId: string;
  keywords: string[];
  matchType: MatchType;
  priority: number | null;
  enabled: boolean;
  reply: {
    type: KeywordReply['type'];
    text?: string;
    url?: string;
    articles?: Partial<NewsArticle>[];
  };
}

export function initialRuleValues(rule?: KeywordRuleView, defaultIntegrationId?: string): RuleFormValues {
  if (!rule) {
    return {
      name: '',
      integrationId: defaultIntegrationId ?? ALL_INTEGRATIONS,
      keywords: [],
      matchType: 'contains',
      priority: 100,
      enabled: true,
      reply: { type: 'text', text: '', url: '', articles: [{ title: '' }] },
    };
  }
  const reply = rule.reply;
  return {
    name: rule.name,
    integrationId: rule.integrationId ?? ALL_INTEGRATIONS,
    keywords: [...rule.keywords],
    matchType: rule.matchType,
    priority: rule.priority,
    enabled: rule.enabled,
    reply: {
      type: reply.type,
      text: reply.type === 'text' ? reply.text : '',
      url: reply.type === 'image' ? reply.url : '',
      articles: reply.type === 'news' ? reply.articles.map((a) => ({ ...a })) : [{ title: '' }],
    },
  };
}

const trimmed = (value: string | undefined): string | undefined => {
  const v = value?.trim();
  return v ? v : undefined;
};

export function buildReply(reply: RuleFormValues['reply']): KeywordReply {
  switch (reply.type) {
    case 'image':
      return { type: 'image', url: (reply.url ?? '').trim() };
    case 'news':
      return {
        type: 'news',
        articles: (reply.articles ?? []).map((a) => {
          const article: NewsArticle = { title: (a.title ?? '').trim() };
          const description = trimmed(a.description);
          const url = trimmed(a.url);
          const picUrl = trimmed(a.picUrl);
          if (description) article.description = description;
          if (url) article.url = url;
          if (picUrl) article.picUrl = picUrl;
          return article;
        }),
      };
    default:
      return { type: 'text', text: reply.text ?? '' };
  }
}

export function buildRuleBody(values: RuleFormValues): KeywordRuleInput {
  return {
    integrationId: values.integrationId === ALL_INTEGRATIONS ? null : values.integrationId,
    name: values.name.trim(),
    keywords: values.keywords.map((k) => k.trim()).filter(Boolean),
    matchType: values.matchType,
    priority: values.priority ?? 0,
    enabled: values.enabled,
    reply: buildReply(values.reply),
  };
}

/** Returns the keywords that are not valid regular expressions (JavaScript syntax). */
export function invalidRegexes(keywords: string[]): string[] {
  return keywords.filter((k) => {
    try {
      new RegExp(k);
      return false;
    } catch {
      return true;
    }
  });
}

export type FormNamePath = (string | number)[];

const TOP_LEVEL = new Set(['name', 'integrationId', 'keywords', 'matchType', 'priority', 'enabled']);
const ARTICLE_FIELDS = new Set(['title', 'description', 'url', 'picUrl']);

/**
 * Maps a server `details[].field` ("keywords.2", "reply.text", "reply.articles.0.title", "body.name" …)
 * onto the form's field path, or null when the form has no such field.
 */
export function ruleFieldPath(field: string): FormNamePath | null {
  const segments = field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  if (segments[0] === 'body') segments.shift();
  const [head, second, third, fourth] = segments;
  if (!head) return null;
  if (TOP_LEVEL.has(head)) return [head];
  if (head === 'reply') {
    if (second === undefined || second === 'type') return ['reply', 'type'];
    if (second === 'text' || second === 'url') return ['reply', second];
    if (second === 'articles') {
      const index = Number(third);
      if (third !== undefined && Number.isInteger(index) && fourth && ARTICLE_FIELDS.has(fourth)) {
        return ['reply', 'articles', index, fourth];
      }
      return ['reply', 'type'];
    }
  }
  return null;
}
