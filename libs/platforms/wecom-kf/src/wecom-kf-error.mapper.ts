import { WECOM_TOKEN_ERRCODES, wecomErrorMapper } from '@imbridge/platform-wecom-common';

/** errcodes after which the access token is refreshed once and the call retried once (doc 90313). */
export const WECOM_KF_TOKEN_ERRCODES = WECOM_TOKEN_ERRCODES;

/**
 * Maps a 微信客服 errcode to our error enum. Global codes (doc 90313) come from wecom-common; kf codes
 * follow the kf docs (94677 send_msg, 94669 service_state) as summarised in shared/protocols/wecom-mp.md §5.3.
 * Window, quota and session-state refusals are never retried: retrying cannot change the answer.
 */
export const mapWecomKfError = wecomErrorMapper('WeCom kf', {
  95017: 'CONFIG', // kf API not enabled for this app (「可调用接口的应用」)
  95001: 'WINDOW_CLOSED', // 5-message quota within 48 h used up
  45015: 'WINDOW_CLOSED', // outside the 48 h window
  95018: 'WINDOW_CLOSED', // session state does not allow sending (not 0/1)
  95011: 'PERMISSION', // session taken over in WeCom (不允许 API 操作)
  95012: 'PERMISSION',
  95014: 'PERMISSION', // servicer not activated / not receiving (trans to state 3)
  95016: 'PERMISSION', // not allowed in this session state
  40201: 'PERMISSION', // kf account banned for sensitive content
  95000: 'INVALID', // invalid open_kfid
  95004: 'INVALID', // open_kfid does not exist
  95013: 'INVALID', // session already ended
  40003: 'INVALID',
});
