import type { KfAccountSettings, KfAccountsResponse, KfAccountView, KfContactLink, KfServicerView, KfSessionView } from '@imbridge/contracts';
import { api } from '../../../api/client';

export type { KfAccountSettings, KfAccountsResponse, KfAccountView, KfContactLink, KfServicerView, KfSessionView };

const base = (integrationId: string) => `/api/integrations/${encodeURIComponent(integrationId)}/kf/accounts`;
const account = (integrationId: string, openKfId: string) => `${base(integrationId)}/${encodeURIComponent(openKfId)}`;

/** 微信客服 REST (apps/api/src/kf): accounts of an integration, their links and servicers, and a chat's platform session. */
export const kfApi = {
  accounts: (integrationId: string, signal?: AbortSignal) => api.get<KfAccountsResponse>(base(integrationId), { signal }),
  updateAccount: (integrationId: string, openKfId: string, body: Partial<KfAccountSettings>) =>
    api.put<KfAccountView>(account(integrationId, openKfId), body),
  servicers: (integrationId: string, openKfId: string, signal?: AbortSignal) =>
    api.get<KfServicerView[]>(`${account(integrationId, openKfId)}/servicers`, { signal }),
  createLink: (integrationId: string, openKfId: string, body: { scene: string; sceneParam?: string }) =>
    api.post<KfContactLink>(`${account(integrationId, openKfId)}/links`, body),
  deleteLink: (integrationId: string, openKfId: string, scene: string) =>
    api.delete(`${account(integrationId, openKfId)}/links/${encodeURIComponent(scene)}`),
  session: (conversationId: string, signal?: AbortSignal) =>
    api.get<KfSessionView>(`/api/conversations/${encodeURIComponent(conversationId)}/kf-session`, { signal }),
};
