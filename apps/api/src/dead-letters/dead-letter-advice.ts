import type { I18nText } from '@imbridge/contracts';
import { mpCredentialAdvice } from '@imbridge/platform-mp';
import { wecomCredentialAdvice } from '@imbridge/platform-wecom';

/** The error a dead letter carries (outbound_messages.last_error). */
export interface DeadLetterError {
  code: string;
  message: string;
  platformCode?: string;
}

/** WeCom errcodes whose "test connection" advice also fits a failed send (doc 90313). */
const WECOM_ADVISED = new Set([40013, 40001, 60020, 41002, 41004, 40056, 60011, 48001, 48002]);
/** 公众号 errcodes whose credential advice fits a failed send (40164 names the IP for the whitelist). */
const MP_ADVISED = new Set([40164, 61004, 40013, 40125, 45009]);

const WINDOW_CLOSED: I18nText = {
  zh: '已超出平台的回复窗口（客户最后一条消息超过 48 小时，或已达可回复条数上限）：等待客户再次发消息后再重试。',
  en: "Outside the platform's reply window (the customer's last message is over 48 hours old, or the number of replies allowed was reached): retry after the customer writes again.",
};

/** Codes of other platforms (微信客服, 公众号) and our own sender codes. */
const BY_PLATFORM_CODE: Record<string, I18nText> = {
  '45015': WINDOW_CLOSED,
  '95018': WINDOW_CLOSED,
  // 微信客服 (kf) refusals an administrator can act on (failed sends and session state syncs).
  '95014': { zh: '接待人员不在接待状态：请在企业微信中开始接待，或换一位接待人员。', en: 'The servicer is not receiving: start receiving in WeCom, or choose another servicer.' },
  '95016': { zh: '企业微信不允许这种会话状态变更。', en: 'WeCom does not allow this session state change.' },
  '95017': { zh: '该应用未获授权调用微信客服接口：在「微信客服 → API」中把它设为可调用接口的应用。', en: 'This app may not call the 微信客服 API: choose it under WeChat Customer Service → API.' },
  '95011': { zh: '该会话已在企业微信中被接管，接口不能再操作。', en: 'The session was taken over in WeCom; the API may not change it.' },
  '45047': {
    zh: '客服消息下发条数超过上限：等待客户再次发消息后再重试。',
    en: 'Too many customer-service messages without a reply from the customer: retry after the customer writes again.',
  },
  NO_INTEGRATION: { zh: '该集成已被删除，消息无法发送。', en: 'The integration was deleted; the message cannot be sent.' },
  DISABLED: { zh: '集成已停用：启用该集成后重试。', en: 'The integration is disabled: enable it, then retry.' },
  NO_SENDER: { zh: '该平台不支持发送消息。', en: 'This platform cannot send messages.' },
  URL_NOT_ALLOWED: {
    zh: '地址被安全策略拒绝（内网地址）：检查集成的「API 地址」或图片链接。',
    en: 'The address was refused by the security policy (a private address): check the integration\'s API base URL or the image link.',
  },
  MEDIA_TOO_LARGE: { zh: '文件超过平台允许的大小：换一个更小的文件。', en: 'The file is larger than the platform accepts: use a smaller one.' },
  EMPTY_TEXT: { zh: '消息文本为空，平台拒绝发送。', en: 'The text is empty; the platform refuses it.' },
  PASSIVE_TEXT_ONLY: {
    zh: '此公众号只能被动回复（未认证订阅号没有客服消息接口），被动回复只能带文字：请改发文字或链接。',
    en: 'This Official Account can only reply passively (an unverified subscription account has no customer-service API), and passive replies carry text only: send text or a link instead.',
  },
};

/** 公众号 codes whose meaning differs from the same number elsewhere. */
const MP_BY_PLATFORM_CODE: Record<string, I18nText> = {
  '48001': {
    zh: '公众号没有该接口权限（客服消息需要服务号或已认证账号）：检查账号类型与认证，或在集成中把回复方式改为「仅被动回复」。',
    en: 'The Official Account lacks this API permission (customer-service messages need a service or verified account): check the account type and verification, or set the integration\'s reply mode to "Passive reply only".',
  },
};

/** Fallback by our normalized code, when the platform code has no advice of its own. */
const BY_CODE: Record<string, I18nText> = {
  CONFIG: { zh: '集成配置有误：在「集成」页检查配置并「测试连接」，修正后重试。', en: 'The integration is misconfigured: check it on the Integrations page and use "Test connection", then retry.' },
  PERMISSION: { zh: '应用没有发送该消息的权限，或客户不在应用的可见范围内：检查应用权限与可见范围后重试。', en: 'The app may not send this message, or the customer is outside the app\'s visible range: check its permissions, then retry.' },
  WINDOW_CLOSED,
  INVALID: { zh: '平台认为消息内容无效（格式、长度或媒体）：修改内容后重新发送，重试同一消息通常无效。', en: 'The platform found the message invalid (format, length or media): send a corrected message; retrying the same one rarely helps.' },
  TEMPORARY: { zh: '多次重试仍然失败（平台暂时不可用或网络问题）：确认平台恢复后重试。', en: 'Still failing after several retries (the platform or the network was unavailable): retry once it is back.' },
  RATE_LIMITED: { zh: '多次被平台限流：稍后重试，或降低发送速率。', en: 'Rate-limited by the platform several times: retry later, or lower the send rate.' },
  AUTH_EXPIRED: { zh: '访问令牌反复失效：检查 Secret 是否被重置，然后重试。', en: 'The access token kept expiring: check whether the Secret was reset, then retry.' },
  UNKNOWN: { zh: '平台返回了未知错误：查看错误信息，确认原因后重试。', en: 'The platform answered an unknown error: read the message, fix the cause, then retry.' },
};

/**
 * What the administrator should do about a dead letter, in Chinese and English: the WeCom advice the
 * "test connection" check gives for the same errcode (60020 names the IP to add to 企业可信IP), the
 * reply-window codes of 微信客服/公众号, our own sender codes, else advice by the normalized code.
 */
export function deadLetterAdvice(platform: string | null, error: DeadLetterError | null): I18nText | null {
  if (!error) return null;
  return platformCodeAdvice(platform, error) ?? BY_CODE[error.code] ?? null;
}

/** The advice for the platform's own code only (no fallback by our normalized code); null when there is none. */
export function platformCodeAdvice(platform: string | null, error: DeadLetterError): I18nText | null {
  const platformCode = error.platformCode ?? '';
  const errcode = /^-?\d+$/.test(platformCode) ? Number(platformCode) : NaN;
  if (platform === 'wecom' && WECOM_ADVISED.has(errcode)) return wecomCredentialAdvice(errcode, error.message);
  if (platform === 'mp' && MP_ADVISED.has(errcode)) return mpCredentialAdvice(errcode, error.message);
  if (platform === 'mp' && MP_BY_PLATFORM_CODE[platformCode]) return MP_BY_PLATFORM_CODE[platformCode]!;
  return BY_PLATFORM_CODE[platformCode] ?? null;
}
