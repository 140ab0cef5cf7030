import type {
  CreateIntegrationRequest,
  IntegrationView,
  PlatformDescriptor,
  UpdateIntegrationRequest,
} from '@imbridge/contracts';
import { api } from '../../../api/client';

const base = '/api/integrations';

export const integrationsApi = {
  platforms: (signal?: AbortSignal) => api.get<PlatformDescriptor[]>('/api/platforms', { signal }),
  list: (signal?: AbortSignal) => api.get<IntegrationView[]>(base, { signal }),
  get: (id: string, signal?: AbortSignal) => api.get<IntegrationView>(`${base}/${encodeURIComponent(id)}`, { signal }),
  create: (body: CreateIntegrationRequest) => api.post<IntegrationView>(base, body),
  update: (id: string, body: UpdateIntegrationRequest) => api.put<IntegrationView>(`${base}/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete(`${base}/${encodeURIComponent(id)}`),
};
