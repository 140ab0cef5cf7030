import type { MpMenu, MpMenuButton } from '@imbridge/contracts';
import { PlatformError, type SendContext } from '@imbridge/platform-core';
import type { MpConfig } from './mp.descriptor';
import { callMpJson, callMpWithToken, type MpApiAnswer } from './mp-token';

type MpCtx = Pick<SendContext, 'http' | 'tokens'>;
type MpApiCfg = Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>;

/** menu/get: errcode 46003 "menu no exist". */
export const MP_NO_MENU_ERRCODE = 46003;
/** A temporary QR code lives at most 30 days. */
export const MP_QR_MAX_EXPIRE_SECONDS = 2_592_000;
/** WeChat's own image of a QR code. */
export const MP_SHOW_QRCODE_URL = 'https://mp.weixin.qq.com/cgi-bin/showqrcode';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** menu/create: publishes the menu (replaces the live one). The caller checks it first (checkMpMenu). */
export async function createMpMenu(ctx: MpCtx, cfg: MpApiCfg, menu: MpMenu): Promise<void> {
  await callMpJson(ctx, cfg, 'menu/create', { button: menu.button });
}

/**
 * menu/get: the live custom menu, or null when the account has none (46003). Buttons are kept as
 * WeChat answers them except the sub menus: real WeChat answers `sub_button: []` on leaves and may
 * answer `sub_button: {list: […]}`; both become a plain list, dropped when empty.
 */
export async function getMpMenu(ctx: MpCtx, cfg: MpApiCfg): Promise<MpMenu | null> {
  let answer: MpApiAnswer;
  try {
    answer = await callMpWithToken(ctx, cfg, { api: 'menu/get', makeRequest: () => ({ method: 'GET', timeoutMs: 10_000 }) });
  } catch (err) {
    if (err instanceof PlatformError && String(err.platformCode) === String(MP_NO_MENU_ERRCODE)) return null;
    throw err;
  }
  const menu = answer['menu'];
  if (!isRecord(menu) || !Array.isArray(menu['button'])) return null;
  return { button: parseMpMenuButtons(menu['button']) };
}

/** Buttons as menu/get (or a stored copy) holds them, with the sub menus normalized to plain lists. */
export function parseMpMenuButtons(raw: unknown[]): MpMenuButton[] {
  return raw.filter(isRecord).map((b) => parseButton(b, true));
}

function parseButton(b: Record<string, unknown>, top: boolean): MpMenuButton {
  const { sub_button: rawSubs, ...rest } = b;
  const out = { ...rest } as unknown as MpMenuButton;
  const list = Array.isArray(rawSubs) ? rawSubs : isRecord(rawSubs) && Array.isArray(rawSubs['list']) ? rawSubs['list'] : [];
  const subs = list.filter(isRecord).map((s) => parseButton(s, false));
  if (top && subs.length > 0) out.sub_button = subs;
  return out;
}

export interface MpQrCodeRequest {
  /** scene_str: 1–64 characters. */
  scene: string;
  /** QR_LIMIT_STR_SCENE (permanent) or QR_STR_SCENE (temporary). */
  permanent: boolean;
  /** Temporary codes only: seconds until it expires (≤ 30 days); WeChat's default is 30 seconds. */
  expireSeconds?: number;
}

export interface MpQrCodeResult {
  ticket: string;
  /** The QR code's content (`http://weixin.qq.com/q/…`). */
  url: string;
  /** Temporary codes: the lifetime WeChat granted. */
  expireSeconds?: number;
}

/** qrcode/create with a string scene; the EventKey of subscribe (qrscene_<scene>) and SCAN events brings it back. */
export async function createMpQrCode(ctx: MpCtx, cfg: MpApiCfg, req: MpQrCodeRequest): Promise<MpQrCodeResult> {
  const body = req.permanent
    ? { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: req.scene } } }
    : {
        ...(req.expireSeconds !== undefined ? { expire_seconds: req.expireSeconds } : {}),
        action_name: 'QR_STR_SCENE',
        action_info: { scene: { scene_str: req.scene } },
      };
  const answer = await callMpJson(ctx, cfg, 'qrcode/create', body);
  const ticket = answer['ticket'];
  const url = answer['url'];
  if (typeof ticket !== 'string' || ticket === '' || typeof url !== 'string' || url === '') {
    throw new PlatformError('UNKNOWN', 'WeChat MP qrcode/create: the answer has no ticket or url');
  }
  const expire = answer['expire_seconds'];
  return { ticket, url, ...(!req.permanent && typeof expire === 'number' && Number.isFinite(expire) ? { expireSeconds: expire } : {}) };
}

/** The address of WeChat's image of a QR code (showqrcode?ticket=…, the ticket URL-encoded). */
export function mpQrCodeImageUrl(ticket: string): string {
  return `${MP_SHOW_QRCODE_URL}?ticket=${encodeURIComponent(ticket)}`;
}
