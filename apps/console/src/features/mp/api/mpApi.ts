import type { CreateMpQrCodeRequest, MpMenu, MpMenuView, MpQrCodeView, MpStatusView, UpdateMpQrCodeRequest } from '@imbridge/contracts';
import { api, apiRequest } from '../../../api/client';

export type { CreateMpQrCodeRequest, MpMenu, MpMenuView, MpQrCodeView, MpStatusView, UpdateMpQrCodeRequest };

const base = (integrationId: string) => `/api/integrations/${encodeURIComponent(integrationId)}/mp`;
const qrCode = (integrationId: string, qrId: string) => `${base(integrationId)}/qrcodes/${encodeURIComponent(qrId)}`;

/** 公众号 REST (apps/api/src/mp): the account's delivery mode, its custom menu and its parameterized QR codes. */
export const mpApi = {
  status: (integrationId: string, signal?: AbortSignal) => api.get<MpStatusView>(`${base(integrationId)}/status`, { signal }),
  menu: (integrationId: string, signal?: AbortSignal) => api.get<MpMenuView>(`${base(integrationId)}/menu`, { signal }),
  /** Saves the draft (not live until published). */
  saveMenu: (integrationId: string, menu: MpMenu) => api.put<MpMenuView | undefined>(`${base(integrationId)}/menu`, menu),
  publishMenu: (integrationId: string) => api.post<MpMenuView | undefined>(`${base(integrationId)}/menu/publish`),
  qrCodes: (integrationId: string, signal?: AbortSignal) => api.get<MpQrCodeView[]>(`${base(integrationId)}/qrcodes`, { signal }),
  createQrCode: (integrationId: string, body: CreateMpQrCodeRequest) => api.post<MpQrCodeView>(`${base(integrationId)}/qrcodes`, body),
  updateQrCode: (integrationId: string, qrId: string, body: UpdateMpQrCodeRequest) =>
    apiRequest<MpQrCodeView>(qrCode(integrationId, qrId), { method: 'PATCH', body }),
  deleteQrCode: (integrationId: string, qrId: string) => api.delete(qrCode(integrationId, qrId)),
};
