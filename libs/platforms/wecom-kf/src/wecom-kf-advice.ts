import type { I18nText } from '@imbridge/contracts';
import type { PlatformErrorRecord } from '@imbridge/platform-core';

const WINDOW_CLOSED: I18nText = {
  zh: '已超出平台的回复窗口（客户最后一条消息超过 48 小时，或已达可回复条数上限）：等待客户再次发消息后再重试。',
  en: "Outside the platform's reply window (the customer's last message is over 48 hours old, or the number of replies allowed was reached): retry after the customer writes again.",
};

/** 微信客服 refusals an administrator can act on (failed sends and session state syncs), by errcode. */
export const WECOM_KF_ERROR_ADVICE: Readonly<Record<string, I18nText>> = {
  '45015': WINDOW_CLOSED,
  '95018': WINDOW_CLOSED,
  '95014': { zh: '接待人员不在接待状态：请在企业微信中开始接待，或换一位接待人员。', en: 'The servicer is not receiving: start receiving in WeCom, or choose another servicer.' },
  '95016': { zh: '企业微信不允许这种会话状态变更。', en: 'WeCom does not allow this session state change.' },
  '95017': { zh: '该应用未获授权调用微信客服接口：在「微信客服 → API」中把它设为可调用接口的应用。', en: 'This app may not call the 微信客服 API: choose it under WeChat Customer Service → API.' },
  '95011': { zh: '该会话已在企业微信中被接管，接口不能再操作。', en: 'The session was taken over in WeCom; the API may not change it.' },
};

/**
 * What an administrator should do about a failed 微信客服 call (a dead letter, a session sync): the
 * reply-window codes (45015, 95018) and the session refusals; null for other codes (the gateway then
 * advises by our code).
 */
export function wecomKfErrorAdvice(error: PlatformErrorRecord): I18nText | null {
  const platformCode = error.platformCode ?? '';
  return Object.hasOwn(WECOM_KF_ERROR_ADVICE, platformCode) ? (WECOM_KF_ERROR_ADVICE[platformCode] ?? null) : null;
}
