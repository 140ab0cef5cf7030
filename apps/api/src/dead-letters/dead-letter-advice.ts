import type { I18nText } from '@imbridge/contracts';
import type { PlatformAdvice, PlatformErrorRecord } from '@imbridge/platform-core';

/** The error a dead letter carries (outbound_messages.last_error). */
export type DeadLetterError = PlatformErrorRecord;

const WINDOW_CLOSED: I18nText = {
  zh: '已超出平台的回复窗口（客户最后一条消息超过 48 小时，或已达可回复条数上限）：等待客户再次发消息后再重试。',
  en: "Outside the platform's reply window (the customer's last message is over 48 hours old, or the number of replies allowed was reached): retry after the customer writes again.",
};

/** Our own sender codes (the platform code of errors the gateway raises itself, on every platform). */
const BY_GATEWAY_CODE: Record<string, I18nText> = {
  NO_INTEGRATION: { zh: '该集成已被删除，消息无法发送。', en: 'The integration was deleted; the message cannot be sent.' },
  DISABLED: { zh: '集成已停用：启用该集成后重试。', en: 'The integration is disabled: enable it, then retry.' },
  NO_SENDER: { zh: '该平台不支持发送消息。', en: 'This platform cannot send messages.' },
  URL_NOT_ALLOWED: {
    zh: '地址被安全策略拒绝（内网地址）：检查集成的「API 地址」或图片链接。',
    en: 'The address was refused by the security policy (a private address): check the integration\'s API base URL or the image link.',
  },
  MEDIA_TOO_LARGE: { zh: '文件超过平台允许的大小：换一个更小的文件。', en: 'The file is larger than the platform accepts: use a smaller one.' },
  EMPTY_TEXT: { zh: '消息文本为空，平台拒绝发送。', en: 'The text is empty; the platform refuses it.' },
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
 * What the administrator should do about a dead letter, in Chinese and English: the platform's own
 * advice for its code (`advice`: the adapter's `PlatformAdvice`, e.g. the "test connection" advice
 * for the same errcode, or its reply-window codes), our own sender codes, else advice by the
 * normalized code.
 */
export function deadLetterAdvice(advice: PlatformAdvice | undefined, error: DeadLetterError | null): I18nText | null {
  if (!error) return null;
  return platformCodeAdvice(advice, error) ?? BY_CODE[error.code] ?? null;
}

/**
 * The advice for the platform's own code only (no fallback by our normalized code): the platform's
 * `advice.error`, else our sender codes; null when there is none.
 */
export function platformCodeAdvice(advice: PlatformAdvice | undefined, error: DeadLetterError): I18nText | null {
  const own = advice?.error?.(error);
  if (own) return own;
  const platformCode = error.platformCode ?? '';
  return Object.hasOwn(BY_GATEWAY_CODE, platformCode) ? (BY_GATEWAY_CODE[platformCode] ?? null) : null;
}
