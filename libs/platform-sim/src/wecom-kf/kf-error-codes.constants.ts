import type { WecomError } from '../wecom/wecom-error-codes.constants';

/**
 * 微信客服 error answers. [D] = in shared/protocols/wecom-mp.md §5 (official doc), [U] = a
 * reasonable guess not confirmed from a primary source. Named constants so a wrong guess is a
 * one-line fix; gateways branch on errcode only.
 */
export const KF_ERRORS = {
  /** [D] 40035 不合法的参数 (bad field shape, unknown cursor, unknown event code [U per field]) */
  invalidParameter: { errcode: 40035, errmsg: 'invalid parameter' },
  /** [D] 40008 不合法的msgtype */
  invalidMsgType: { errcode: 40008, errmsg: 'invalid message type' },
  /** [D] 44002 empty post data */
  emptyPostData: { errcode: 44002, errmsg: 'empty post data' },
  /** [D] 45002 content size out of limit (text > 2048 bytes) */
  contentSizeOutOfLimit: { errcode: 45002, errmsg: 'content size out of limit' },
  /** [D] 45009 接口调用超过限制: sync_msg without token over the configured rate */
  apiFreqOutOfLimit: { errcode: 45009, errmsg: 'api freq out of limit' },
  /** [D] 47001 data format error (body is not JSON) */
  dataFormatError: { errcode: 47001, errmsg: 'data format error' },
  /** [D] 95000 不合法的open_kfid */
  invalidOpenKfid: { errcode: 95000, errmsg: 'invalid open_kfid' },
  /** [U] 95001 over the 5-messages-in-48h quota */
  sendQuotaExceeded: { errcode: 95001, errmsg: 'send msg count limit' },
  /** [D] 95004 open_kfid不存在 */
  openKfidNotExist: { errcode: 95004, errmsg: 'open_kfid not exist' },
  /** [U] 95007 不合法的msgtoken (unknown or expired callback Token on sync_msg) */
  invalidMsgToken: { errcode: 95007, errmsg: 'invalid msg token' },
  /** [D] 95014 用户不是接待人员 / servicer not receiving */
  servicerNotActive: { errcode: 95014, errmsg: 'servicer not active' },
  /** [U] 95016 不允许这种状态转换 */
  stateTransitionNotAllowed: { errcode: 95016, errmsg: 'state transition not allowed' },
  /** [D] 95018 send msg session status invalid (state not 0/1; also used for an expired 48 h window [U]) */
  sessionStatusInvalid: { errcode: 95018, errmsg: 'send msg session status invalid' },
} as const satisfies Record<string, WecomError>;

/** msg_send_fail fail_type values [D]. */
export const KF_FAIL_TYPE = { sessionExpired: 4, quotaExceeded: 6 } as const;

export const KF_TEXT_MAX_BYTES = 2048;
export const KF_MSG_TOKEN_TTL_MS = 10 * 60_000;
export const KF_WELCOME_CODE_TTL_MS = 20_000;
export const KF_REPLY_CODE_TTL_MS = 48 * 3600_000;
export const KF_SESSION_WINDOW_MS = 48 * 3600_000;
export const KF_SESSION_QUOTA = 5;
export const KF_HISTORY_MS = 3 * 24 * 3600_000;
export const KF_SYNC_MAX_LIMIT = 1000;
