import type { MessageView } from '@imbridge/contracts';
import { api } from '../../../api/client';
import { asList } from '../../../api/usePolling';

/** Messages per page of the timeline; a full page means there may be older ones. */
export const MESSAGE_PAGE = 200;

/** Timeline calls; the desk's own calls (lists, actions, composer) are in features/desk/api/deskApi.ts. */
export const conversationsApi = {
  /** The newest `MESSAGE_PAGE` messages (oldest first), or those older than the message `before`. */
  messages: async (id: string, signal?: AbortSignal, before?: string) =>
    asList<MessageView>(
      await api.get<unknown>(
        `/api/conversations/${encodeURIComponent(id)}/messages?limit=${MESSAGE_PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`,
        { signal },
      ),
    ),
  retry: (messageId: string) => api.post<MessageView | undefined>(`/api/conversations/messages/${encodeURIComponent(messageId)}/retry`),
};

/** The public URL the API serves stored media under. */
export const mediaUrl = (mediaFileId: string) => `/api/media/${encodeURIComponent(mediaFileId)}`;
