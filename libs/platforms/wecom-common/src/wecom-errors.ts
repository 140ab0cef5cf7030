import type { PlatformErrorCode } from '@imbridge/contracts';
import { PlatformError } from '@imbridge/platform-core';

/** errcodes after which the access token is refreshed once and the call retried once (doc 90313). */
export const WECOM_TOKEN_ERRCODES = new Set([40014, 42001, 41001, 40001]);

/**
 * Global errcodes (https://developer.work.weixin.qq.com/document/path/90313) that mean the same for
 * every WeCom API, the app's and 微信客服's alike. Codes that mean "an administrator must act" are
 * not retryable (CONFIG / PERMISSION).
 */
export const WECOM_GLOBAL_ERRCODES: Readonly<Record<number, PlatformErrorCode>> = {
  [-1]: 'TEMPORARY',
  40014: 'AUTH_EXPIRED',
  42001: 'AUTH_EXPIRED',
  41001: 'AUTH_EXPIRED',
  40001: 'CONFIG', // wrong secret (on gettoken), or a token the platform no longer accepts after the refresh
  40013: 'CONFIG', // wrong CorpID
  60020: 'CONFIG', // server IP not in 企业可信IP
  45009: 'RATE_LIMITED',
  45033: 'RATE_LIMITED',
  48001: 'PERMISSION',
  48002: 'PERMISSION',
  60011: 'PERMISSION',
  40007: 'INVALID', // invalid / expired media_id
  40008: 'INVALID',
  44004: 'INVALID', // empty content
  45002: 'INVALID', // content too long
};

/**
 * Builds an errcode mapper: the lib's `specific` codes first, then the global ones, else UNKNOWN.
 * `label` starts the message (`WeCom`, `WeCom kf`); the errcode is kept as platformCode.
 */
export function wecomErrorMapper(
  label: string,
  specific: Readonly<Record<number, PlatformErrorCode>>,
): (errcode: number, errmsg: string, api: string) => PlatformError {
  return (errcode, errmsg, api) => {
    const code = specific[errcode] ?? WECOM_GLOBAL_ERRCODES[errcode] ?? 'UNKNOWN';
    return new PlatformError(code, `${label} ${api}: ${errcode} ${errmsg}`, { platformCode: errcode });
  };
}
