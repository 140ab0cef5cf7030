import type { I18nText, PlatformErrorCode } from '@imbridge/contracts';
import { PlatformError } from '@imbridge/platform-core';

/**
 * errcodes after which the access token is dropped (only the one that failed) and the call retried
 * once (§3.2): 40001 "access_token is invalid or not latest", 40014 invalid, 41001 missing, 42001 expired.
 */
export const MP_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 41001, 42001]);

/**
 * MP errcodes → our error enum. Codes that need an administrator (IP whitelist, secret, permission)
 * are not retryable; 45015/45047 (outside the reply window / over its count) are shown, never retried.
 */
export const MP_ERRCODES: Readonly<Record<number, PlatformErrorCode>> = {
  [-1]: 'TEMPORARY', // system busy
  40001: 'AUTH_EXPIRED', // on an API call; on stable_token it is the AppSecret (see fetchMpStableToken)
  40014: 'AUTH_EXPIRED',
  41001: 'AUTH_EXPIRED',
  42001: 'AUTH_EXPIRED',
  40013: 'CONFIG', // invalid appid
  40125: 'CONFIG', // invalid appsecret
  40164: 'CONFIG', // caller IP not in the IP whitelist
  61004: 'CONFIG', // the same for open-platform calls
  45009: 'RATE_LIMITED', // daily quota / frequency
  45011: 'RATE_LIMITED',
  45015: 'WINDOW_CLOSED', // response out of time limit, or the user unsubscribed
  45047: 'WINDOW_CLOSED', // over the customer-service message count limit
  48001: 'PERMISSION', // api unauthorized (e.g. an unverified account)
  40003: 'INVALID', // invalid openid
  43004: 'INVALID', // require subscribe
  40007: 'INVALID', // invalid media_id
  40008: 'INVALID', // invalid message type
  44002: 'INVALID', // empty post data
  45002: 'INVALID', // content too long
  47001: 'INVALID', // data format error
};

/** What a code means to an agent or administrator, zh + en, for the codes the desk shows as they are. */
export const MP_ERROR_REASONS: Readonly<Record<number, I18nText>> = {
  45015: {
    zh: '已超出回复时限（用户 48 小时内没有互动）或用户已取消关注：等待用户再次发消息后再回复',
    en: 'Outside the reply window (no interaction from the user within 48 hours) or the user unsubscribed: wait for the user to write again',
  },
  45047: {
    zh: '已达到客服消息条数上限（用户一次互动后可回复的条数有限）：等待用户再次发消息后再回复',
    en: 'The customer-service message limit is reached (only a few messages may follow one interaction of the user): wait for the user to write again',
  },
  48001: {
    zh: '接口未授权：未认证的公众号不能使用客服消息接口，只能在回调中被动回复',
    en: 'API not authorized: an unverified account cannot use the customer-service message API, only passive replies inside the callback',
  },
  43004: { zh: '用户未关注公众号', en: 'The user does not follow the account' },
  40003: { zh: '无效的 openid（不是本公众号的用户）', en: 'Invalid openid (not a user of this account)' },
};

/** The zh/en reason for an errcode the desk shows (45015, 45047 …), undefined for the others. */
export function mpErrorReason(platformCode: string | number | undefined): I18nText | undefined {
  const n = Number(platformCode);
  return Number.isInteger(n) && Object.hasOwn(MP_ERROR_REASONS, n) ? MP_ERROR_REASONS[n] : undefined;
}

/** The caller's IP in a 40164 errmsg: "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: …". */
export function ipFromMpErrmsg(errmsg: string): string | undefined {
  return /invalid ip\s+([0-9a-fA-F.:]+?)(?=[,\s]|$)/i.exec(errmsg)?.[1];
}

/** An MP errcode as our error; the errcode is kept as platformCode, the English reason joins the message. */
export function mapMpError(errcode: number, errmsg: string, api: string): PlatformError {
  const code = Object.hasOwn(MP_ERRCODES, errcode) ? MP_ERRCODES[errcode] : 'UNKNOWN';
  const reason = mpErrorReason(errcode);
  return new PlatformError(code, `WeChat MP ${api}: ${errcode} ${errmsg}${reason ? ` (${reason.en})` : ''}`, { platformCode: errcode });
}

/** Advice, zh + en, for an errcode of stable_token (the connection test). */
export function mpCredentialAdvice(errcode: number, errmsg: string): I18nText {
  switch (errcode) {
    case 40164:
    case 61004: {
      const ip = ipFromMpErrmsg(errmsg);
      return ip
        ? {
            zh: `本服务器的出口 IP 不在公众号的 IP 白名单中：请在「设置与开发 → 基本配置 → IP白名单」中加入 ${ip}。`,
            en: `This server's egress IP is not in the account's IP whitelist: add ${ip} under Settings & Development → Basic Configuration → IP whitelist.`,
          }
        : {
            zh: '本服务器的出口 IP 不在公众号的 IP 白名单中：请在「设置与开发 → 基本配置 → IP白名单」中加入本服务器的出口 IP。',
            en: "This server's egress IP is not in the account's IP whitelist: add it under Settings & Development → Basic Configuration → IP whitelist.",
          };
    }
    case 40013:
      return {
        zh: 'AppID 错误：请核对「基本配置 → 开发者ID (AppID)」。',
        en: 'The AppID is wrong: compare it with Basic Configuration → AppID.',
      };
    case 40001:
    case 40125:
      return {
        zh: 'AppSecret 错误：请在「基本配置 → 开发者密码」中重新获取；重置后旧值立即失效。',
        en: 'The AppSecret is wrong: get it again under Basic Configuration → AppSecret; a reset invalidates the old one at once.',
      };
    case 45009:
      return {
        zh: '接口调用次数已达上限，请稍后再试（可在公众号后台查看或清零调用次数）。',
        en: 'The API call quota is used up; try again later (the MP console shows and can reset the quota).',
      };
    case -1:
      return { zh: '微信系统繁忙，请稍后再试。', en: 'WeChat is busy; try again shortly.' };
    default:
      return { zh: `公众号接口返回错误 ${errcode}：${errmsg}`, en: `WeChat MP answered error ${errcode}: ${errmsg}` };
  }
}
