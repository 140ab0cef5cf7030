import type { I18nText } from '@imbridge/contracts';
import type { PlatformErrorRecord } from '@imbridge/platform-core';
import { mpCredentialAdvice } from './mp-error.mapper';

/** 公众号 errcodes whose credential advice fits a failed send (40164 names the IP for the whitelist). */
export const MP_SEND_ADVISED_ERRCODES: ReadonlySet<number> = new Set([40164, 61004, 40013, 40125, 45009]);

/** 公众号 codes of failed sends an administrator can act on: errcodes, and our sender's PASSIVE_TEXT_ONLY. */
export const MP_SEND_ERROR_ADVICE: Readonly<Record<string, I18nText>> = {
  '45015': {
    zh: '已超出平台的回复窗口（客户最后一条消息超过 48 小时，或已达可回复条数上限）：等待客户再次发消息后再重试。',
    en: "Outside the platform's reply window (the customer's last message is over 48 hours old, or the number of replies allowed was reached): retry after the customer writes again.",
  },
  '45047': {
    zh: '客服消息下发条数超过上限：等待客户再次发消息后再重试。',
    en: 'Too many customer-service messages without a reply from the customer: retry after the customer writes again.',
  },
  '48001': {
    zh: '公众号没有该接口权限（客服消息需要服务号或已认证账号）：检查账号类型与认证，或在集成中把回复方式改为「仅被动回复」。',
    en: 'The Official Account lacks this API permission (customer-service messages need a service or verified account): check the account type and verification, or set the integration\'s reply mode to "Passive reply only".',
  },
  PASSIVE_TEXT_ONLY: {
    zh: '此公众号只能被动回复（未认证订阅号没有客服消息接口），被动回复只能带文字：请改发文字或链接。',
    en: 'This Official Account can only reply passively (an unverified subscription account has no customer-service API), and passive replies carry text only: send text or a link instead.',
  },
};

/**
 * What an administrator should do about a failed send of a 公众号 (a dead letter): the connection
 * test's advice for credential errcodes (the IP whitelist naming the IP, AppID, AppSecret, quota),
 * else the reply window, the count limit, the missing API permission, passive-only accounts; null
 * for other codes (the gateway then advises by our code).
 */
export function mpErrorAdvice(error: PlatformErrorRecord): I18nText | null {
  const platformCode = error.platformCode ?? '';
  const errcode = /^-?\d+$/.test(platformCode) ? Number(platformCode) : NaN;
  if (MP_SEND_ADVISED_ERRCODES.has(errcode)) return mpCredentialAdvice(errcode, error.message);
  return Object.hasOwn(MP_SEND_ERROR_ADVICE, platformCode) ? (MP_SEND_ERROR_ADVICE[platformCode] ?? null) : null;
}
