import type { BotExternalAppConfig, BotSettingsView, OutgoingMessage } from '@imbridge/contracts';
import { api } from '../../../api/client';

/** PUT /api/integrations/:id/bot: the settings minus server-owned fields, plus the write-only secret. */
export type BotSettingsInput = Omit<BotSettingsView, 'integrationId' | 'appSecret' | 'updatedAt'> & {
  appSecret?: string;
  clearAppSecret?: true;
};

export type AnsweredBy = 'keyword' | 'faq' | 'app' | 'fallback' | 'handoff';

/** POST /api/integrations/:id/bot/test: a dry run, nothing is sent. */
export interface BotTestResult {
  answeredBy: AnsweredBy | null;
  messages: OutgoingMessage[];
  suggestions?: string[];
  error?: { code: string; message: string; messageZh: string };
  ms: number;
}

export type { BotExternalAppConfig, BotSettingsView };

const base = (integrationId: string) => `/api/integrations/${encodeURIComponent(integrationId)}/bot`;

export const botSettingsApi = {
  get: (integrationId: string, signal?: AbortSignal) => api.get<BotSettingsView>(base(integrationId), { signal }),
  update: (integrationId: string, body: BotSettingsInput) => api.put<BotSettingsView>(base(integrationId), body),
  test: (integrationId: string, text: string) => api.post<BotTestResult>(`${base(integrationId)}/test`, { text }),
};
