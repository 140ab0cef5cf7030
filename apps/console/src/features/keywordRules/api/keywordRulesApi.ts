import { api } from '../../../api/client';
import { asList } from '../../../api/usePolling';

export type MatchType = 'exact' | 'contains' | 'regex';

export interface NewsArticle {
  title: string;
  description?: string;
  url?: string;
  picUrl?: string;
}

export type KeywordReply = { type: 'text'; text: string } | { type: 'image'; url: string } | { type: 'news'; articles: NewsArticle[] };

/** GET /api/keyword-rules item. (Console-side copy of the contract, until contracts exports it.) */
export interface KeywordRuleView {
  id: string;
  /** null: applies to every integration. */
  integrationId: string | null;
  name: string;
  keywords: string[];
  matchType: MatchType;
  priority: number;
  enabled: boolean;
  reply: KeywordReply;
  createdAt: string;
  updatedAt: string;
}

export type KeywordRuleInput = Pick<KeywordRuleView, 'integrationId' | 'name' | 'keywords' | 'matchType' | 'priority' | 'enabled' | 'reply'>;

export interface KeywordRuleTestResult {
  matched: KeywordRuleView | null;
  keyword: string | null;
  candidates: number;
}

const base = '/api/keyword-rules';

export const keywordRulesApi = {
  list: async (integrationId: string | undefined, signal?: AbortSignal) =>
    asList<KeywordRuleView>(
      await api.get<unknown>(integrationId ? `${base}?integrationId=${encodeURIComponent(integrationId)}` : base, { signal }),
    ),
  create: (body: KeywordRuleInput) => api.post<KeywordRuleView>(base, body),
  update: (id: string, body: Partial<KeywordRuleInput>) => api.put<KeywordRuleView>(`${base}/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete(`${base}/${encodeURIComponent(id)}`),
  test: (body: { integrationId: string | null; text: string }) => api.post<KeywordRuleTestResult>(`${base}/test`, body),
};
