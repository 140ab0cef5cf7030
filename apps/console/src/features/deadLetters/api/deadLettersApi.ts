import type { DeadLetterView, MessageView } from '@imbridge/contracts';
import { api } from '../../../api/client';

export interface DeadLetterPage {
  items: DeadLetterView[];
  total: number;
}

const base = '/api/dead-letters';

export const deadLettersApi = {
  list: (query: { integrationId?: string; limit: number; offset: number }, signal?: AbortSignal) => {
    const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
    if (query.integrationId) params.set('integrationId', query.integrationId);
    return api.get<DeadLetterPage>(`${base}?${params.toString()}`, { signal });
  },
  retry: (messageId: string) => api.post<MessageView>(`${base}/${encodeURIComponent(messageId)}/retry`),
  retryAll: (integrationId?: string) => api.post<{ retried: number }>(`${base}/retry-all`, integrationId ? { integrationId } : {}),
};
