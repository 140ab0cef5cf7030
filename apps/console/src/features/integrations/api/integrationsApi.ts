import type {
  CreateIntegrationRequest,
  I18nText,
  InboundSourceStatusView,
  IntegrationView,
  PlatformDescriptor,
  UpdateIntegrationRequest,
} from '@imbridge/contracts';
import { api } from '../../../api/client';

const base = '/api/integrations';

/** POST /api/integrations/:id/test */
export interface ConnectionTestResult {
  ok: boolean;
  platformCode?: string | number;
  message?: string;
  advice?: I18nText;
  checkedAt: string;
}

export type CallbackOutcome = 'accepted' | 'duplicate' | 'verified' | 'rejected' | 'error';

export interface CallbackRecord {
  at: string;
  method: string;
  outcome: CallbackOutcome;
  detail: string;
  count?: number;
  cause?: I18nText;
}

/** GET /api/integrations/:id/callbacks */
export interface CallbackLog {
  records: CallbackRecord[];
  summary: {
    lastReceivedAt: string | null;
    lastSuccessAt: string | null;
    lastFailure: { at: string; detail: string; cause: I18nText } | null;
    neverReached: boolean;
  };
  setupOrder: { zh: string[]; en: string[] };
}

export interface VerificationFile {
  fileName: string;
  size: number;
  createdAt: string;
}

export const integrationsApi = {
  platforms: (signal?: AbortSignal) => api.get<PlatformDescriptor[]>('/api/platforms', { signal }),
  list: (signal?: AbortSignal) => api.get<IntegrationView[]>(base, { signal }),
  get: (id: string, signal?: AbortSignal) => api.get<IntegrationView>(`${base}/${encodeURIComponent(id)}`, { signal }),
  create: (body: CreateIntegrationRequest) => api.post<IntegrationView>(base, body),
  update: (id: string, body: UpdateIntegrationRequest) => api.put<IntegrationView>(`${base}/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete(`${base}/${encodeURIComponent(id)}`),
  testConnection: (id: string) => api.post<ConnectionTestResult>(`${base}/${encodeURIComponent(id)}/test`),
  callbacks: (id: string, signal?: AbortSignal) => api.get<CallbackLog>(`${base}/${encodeURIComponent(id)}/callbacks`, { signal }),
  inboundSources: (id: string, signal?: AbortSignal) => api.get<InboundSourceStatusView[]>(`${base}/${encodeURIComponent(id)}/inbound-sources`, { signal }),
};

export const verificationFilesApi = {
  list: (signal?: AbortSignal) => api.get<VerificationFile[]>('/api/verification-files', { signal }),
  upload: (body: { fileName: string; content: string }) => api.post<VerificationFile | undefined>('/api/verification-files', body),
  remove: (fileName: string) => api.delete(`/api/verification-files/${encodeURIComponent(fileName)}`),
};
