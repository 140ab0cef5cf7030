import { PlatformError } from '@imbridge/platform-core';

/** errcodes after which the access token is refreshed once and the call retried once. */
export const WECOM_TOKEN_ERRCODES = new Set([40014, 42001, 41001, 40001]);

/**
 * Maps a WeCom errcode (https://developer.work.weixin.qq.com/document/path/90313) to our error enum.
 * Codes that mean "an administrator must act" are not retryable.
 */
export function mapWecomError(errcode: number, errmsg: string, api: string): PlatformError {
  const msg = `WeCom ${api}: ${errcode} ${errmsg}`;
  const opts = { platformCode: errcode };
  switch (errcode) {
    case -1:
      return new PlatformError('TEMPORARY', msg, opts);
    case 40014:
    case 42001:
    case 41001:
      return new PlatformError('AUTH_EXPIRED', msg, opts);
    case 40001: // wrong secret (on gettoken), or a token the platform no longer accepts
    case 40013: // wrong CorpID
    case 40056: // wrong AgentId
    case 60020: // server IP not in 企业可信IP
    case 41002:
    case 41004:
      return new PlatformError('CONFIG', msg, opts);
    case 45009:
    case 45033:
      return new PlatformError('RATE_LIMITED', msg, opts);
    case 48001:
    case 48002:
    case 60011:
    case 301002:
      return new PlatformError('PERMISSION', msg, opts);
    case 81013:
    case 82001:
    case 44004:
    case 40008:
    case 40058:
    case 40035:
    case 40007: // invalid / expired media_id (the sender re-uploads once when it has the source URL)
    case 45002: // content too long
      return new PlatformError('INVALID', msg, opts);
    default:
      return new PlatformError('UNKNOWN', msg, opts);
  }
}
