import type { ConversationState, ConversationView, MessageView } from '@imbridge/contracts';
import { api } from '../../../api/client';
import { asList } from '../../../api/usePolling';

export interface ConversationFilters {
  integrationId?: string;
  state?: ConversationState;
  limit: number;
  offset: number;
}

export function conversationsQuery(filters: ConversationFilters): string {
  const params = new URLSearchParams();
  if (filters.integrationId) params.set('integrationId', filters.integrationId);
  if (filters.state) params.set('state', filters.state);
  params.set('limit', String(filters.limit));
  params.set('offset', String(filters.offset));
  return params.toString();
}

export const conversationsApi = {
  list: async (filters: ConversationFilters, signal?: AbortSignal) =>
    asList<ConversationView>(await api.get<unknown>(`/api/conversations?${conversationsQuery(filters)}`, { signal })),
  messages: async (id: string, signal?: AbortSignal) =>
    asList<MessageView>(await api.get<unknown>(`/api/conversations/${encodeURIComponent(id)}/messages`, { signal })),
  send: (id: string, text: string) => api.post<MessageView>(`/api/conversations/${encodeURIComponent(id)}/messages`, { text }),
  retry: (messageId: string) => api.post<MessageView | undefined>(`/api/conversations/messages/${encodeURIComponent(messageId)}/retry`),
};

/** The public URL the API serves stored media under. */
export const mediaUrl = (mediaFileId: string) => `/api/media/${encodeURIComponent(mediaFileId)}`;
