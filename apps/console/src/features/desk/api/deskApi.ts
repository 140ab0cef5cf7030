import type {
  AgentView,
  CannedReplyView,
  ContactProfileView,
  ConversationView,
  MessageView,
  ReplyWindowView,
} from '@imbridge/contracts';
import { api, ApiError, NETWORK_ERROR_CODE } from '../../../api/client';
import { asList } from '../../../api/usePolling';

export type DeskView = 'queue' | 'mine' | 'all';

export interface UploadedMedia {
  id: string;
  contentType: string;
  size: number;
  fileName: string | null;
}

export interface CannedReplyInput {
  shortcut: string;
  title?: string;
  text: string;
}

const conv = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

/** Uploads raw bytes (the API takes the body as the file, typed by Content-Type). */
async function uploadMedia(file: File): Promise<UploadedMedia> {
  const query = file.name ? `?fileName=${encodeURIComponent(file.name)}` : '';
  let response: Response;
  try {
    response = await fetch(`/api/media/upload${query}`, {
      method: 'POST',
      headers: { 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' },
      body: file,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError({ statusCode: 0, code: NETWORK_ERROR_CODE, message: 'Network error', messageZh: '网络错误' });
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const body = data as { code?: unknown; message?: unknown; messageZh?: string } | undefined;
    throw new ApiError(
      body && typeof body.code === 'string' && typeof body.message === 'string'
        ? { statusCode: response.status, code: body.code, message: body.message, messageZh: body.messageZh }
        : { statusCode: response.status, code: `HTTP_${response.status}`, message: response.statusText || `HTTP ${response.status}` },
    );
  }
  return data as UploadedMedia;
}

/** REST calls of the agent desk (see CONTRACTS.md "Desk REST"). */
export const deskApi = {
  list: async (view: DeskView, signal?: AbortSignal) =>
    asList<ConversationView>(await api.get<unknown>(`/api/conversations?view=${view}&limit=200&offset=0`, { signal })),
  conversation: (id: string, signal?: AbortSignal) => api.get<ConversationView>(conv(id), { signal }),
  claim: (id: string) => api.post<ConversationView>(`${conv(id)}/claim`),
  transfer: (id: string, userId: string) => api.post<ConversationView>(`${conv(id)}/transfer`, { userId }),
  close: (id: string) => api.post<ConversationView>(`${conv(id)}/close`),
  read: (id: string) => api.post<void>(`${conv(id)}/read`),
  sendText: (id: string, text: string) => api.post<MessageView>(`${conv(id)}/messages`, { type: 'text', text }),
  sendImage: (id: string, mediaId: string) => api.post<MessageView>(`${conv(id)}/messages`, { type: 'image', mediaId }),
  addNote: (id: string, text: string) => api.post<MessageView>(`${conv(id)}/notes`, { text }),
  replyWindow: (id: string, signal?: AbortSignal) => api.get<ReplyWindowView>(`${conv(id)}/reply-window`, { signal }),
  contact: (id: string, signal?: AbortSignal) => api.get<ContactProfileView>(`/api/contacts/${encodeURIComponent(id)}`, { signal }),
  agents: async (signal?: AbortSignal) => asList<AgentView>(await api.get<unknown>('/api/desk/agents', { signal })),
  setPresence: (status: 'online' | 'away') => api.put<AgentView>('/api/desk/presence', { status }),
  cannedReplies: async (signal?: AbortSignal) => asList<CannedReplyView>(await api.get<unknown>('/api/canned-replies', { signal })),
  createCannedReply: (input: CannedReplyInput) => api.post<CannedReplyView>('/api/canned-replies', input),
  updateCannedReply: (id: string, input: CannedReplyInput) => api.put<CannedReplyView>(`/api/canned-replies/${encodeURIComponent(id)}`, input),
  deleteCannedReply: (id: string) => api.delete(`/api/canned-replies/${encodeURIComponent(id)}`),
  uploadMedia,
};
