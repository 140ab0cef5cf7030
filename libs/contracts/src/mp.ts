/**
 * 公众号 (mp): the console's view of an Official Account's custom menu, parameterized QR codes and
 * reply mode. REST: /api/integrations/:id/mp/* (see apps/api/src/mp/README.md).
 */
import type { I18nText } from './platform';

/** Menu button types the console edits (menu/create). Others a menu may hold are kept as they are. */
export const MP_MENU_BUTTON_TYPES = [
  'click',
  'view',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'miniprogram',
] as const;
export type MpMenuButtonType = (typeof MP_MENU_BUTTON_TYPES)[number];

/** One button as menu/create takes it: a top button has either `type` (+ key/url…) or `sub_button`. */
export interface MpMenuButton {
  name: string;
  type?: MpMenuButtonType;
  /** click and the scancode/pic/location types: the EventKey the CLICK event brings back (≤ 128 bytes). */
  key?: string;
  /** view (and miniprogram's fallback): an http(s) URL (≤ 1024 bytes). */
  url?: string;
  /** miniprogram */
  appid?: string;
  pagepath?: string;
  sub_button?: MpMenuButton[];
}

export interface MpMenu {
  button: MpMenuButton[];
}

/** GET /api/integrations/:id/mp/menu */
export interface MpMenuView {
  /** What the administrator edits (saved with PUT, not yet live). */
  draft: MpMenu | null;
  /** What is live on WeChat now (menu/get), or, when the platform could not be asked, what we last published. */
  published: MpMenu | null;
  publishedAt: string | null;
  /** Menus need a service account or a verified one; false: editing is offered, publishing is not. */
  canPublish: boolean;
  /** Set when menu/get failed (the stored copy is shown instead). */
  platformError?: { code: string; message: I18nText } | null;
}

/** POST /api/integrations/:id/mp/qrcodes */
export interface CreateMpQrCodeRequest {
  /** Shown in the console only. */
  name: string;
  /** scene_str: 1–64 letters, digits, `_` or `-`; comes back in subscribe (qrscene_…) and SCAN events. */
  scene: string;
  /** Permanent (QR_LIMIT_STR_SCENE) or temporary (QR_STR_SCENE, `expireSeconds`, ≤ 30 days). */
  permanent: boolean;
  expireSeconds?: number;
  /** What a user who scans it gets (on subscribe and on SCAN); empty: the account's welcome text. */
  welcomeText?: string | null;
}

/** PATCH /api/integrations/:id/mp/qrcodes/:qrId */
export interface UpdateMpQrCodeRequest {
  name?: string;
  welcomeText?: string | null;
}

export interface MpQrCodeView {
  id: string;
  name: string;
  scene: string;
  permanent: boolean;
  /** The QR code's content; the console draws the code from it (WeChat's own image host is not needed). */
  url: string;
  /** showqrcode?ticket=… on WeChat's host, for downloading the official image. */
  imageUrl: string;
  expiresAt: string | null;
  welcomeText: string | null;
  createdAt: string;
}

/** How an account's answers reach the user. */
export type MpDeliveryMode = 'customer-service' | 'passive';

/** GET /api/integrations/:id/mp/status: what the account may do, for the integration page. */
export interface MpStatusView {
  /** The mode in effect (the `replyMode` field, `auto` resolved from account type and verification). */
  deliveryMode: MpDeliveryMode;
  /** Why this mode (zh/en), e.g. "unverified subscription accounts have no customer-service API". */
  deliveryReason: I18nText;
  encryptionMode: 'plain' | 'compatible' | 'safe';
  /** Set for plain and compatible mode: what the administrator should know. */
  encryptionWarning: I18nText | null;
  canUseMenu: boolean;
  canUseQrCodes: boolean;
}
