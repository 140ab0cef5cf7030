import type { AgentView, UserRole, UserView } from '@imbridge/contracts';
import { api } from '../../../api/client';
import { asList } from '../../../api/usePolling';

/** POST /api/users body (CreateUserDto): displayName is left out when empty. */
export interface NewUserInput {
  username: string;
  password: string;
  role: UserRole;
  displayName?: string;
}

/** The people who answer chats: list with presence and load, per-agent capacity, new accounts. */
export const agentsApi = {
  list: async (signal?: AbortSignal) => asList<AgentView>(await api.get<unknown>('/api/desk/agents', { signal })),
  setCapacity: (id: string, capacity: number) => api.put<AgentView>(`/api/desk/agents/${encodeURIComponent(id)}`, { capacity }),
  /** An administrator's grant: the agent sees every chat (reads only). */
  setViewAllChats: (id: string, canViewAllChats: boolean) => api.put<AgentView>(`/api/desk/agents/${encodeURIComponent(id)}`, { canViewAllChats }),
  createUser: (input: NewUserInput) => api.post<UserView>('/api/users', input),
};
