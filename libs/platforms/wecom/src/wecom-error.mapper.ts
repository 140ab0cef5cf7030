import { WECOM_TOKEN_ERRCODES as SHARED_TOKEN_ERRCODES, wecomErrorMapper } from '@imbridge/platform-wecom-common';

/** errcodes after which the access token is refreshed once and the call retried once. */
export const WECOM_TOKEN_ERRCODES = SHARED_TOKEN_ERRCODES;

/**
 * Maps a WeCom errcode (https://developer.work.weixin.qq.com/document/path/90313) to our error enum:
 * the app's own codes here, the global ones from wecom-common. Codes that mean "an administrator
 * must act" are not retryable.
 */
export const mapWecomError = wecomErrorMapper('WeCom', {
  40056: 'CONFIG', // wrong AgentId
  41002: 'CONFIG',
  41004: 'CONFIG',
  301002: 'PERMISSION',
  81013: 'INVALID',
  82001: 'INVALID',
  40058: 'INVALID',
  40035: 'INVALID',
});
