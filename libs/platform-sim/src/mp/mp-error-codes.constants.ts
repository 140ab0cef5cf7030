/**
 * MP (公众号) error answers. Codes from the MP global return-code page and shared/protocols/wecom-mp.md
 * §3.2/§4.4; [D] documented, [S] seen in SDKs/logs, [U] a guess. Gateways branch on errcode only.
 */
export interface MpError {
  readonly errcode: number;
  readonly errmsg: string;
}

export const MP_ERRORS = {
  /** [D] -1 system busy; only produced by fault scripts */
  systemBusy: { errcode: -1, errmsg: 'system error' },
  /** [S] 40001 unknown or superseded access_token */
  invalidCredential: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
  /** [D] 40002 grant_type is not client_credential */
  invalidGrantType: { errcode: 40002, errmsg: 'invalid grant_type' },
  /** [D] 40003 openid not a follower of this account */
  invalidOpenId: { errcode: 40003, errmsg: 'invalid openid' },
  /** [D] 40007 invalid media_id (unknown, or past its 3 days); the real errmsg adds the id's context [S] */
  invalidMediaId: { errcode: 40007, errmsg: 'invalid media_id' },
  /** [D] 40008 invalid message type */
  invalidMsgType: { errcode: 40008, errmsg: 'invalid message type' },
  /** [D] 40013 invalid appid */
  invalidAppId: { errcode: 40013, errmsg: 'invalid appid' },
  /** [D] menu: 40016 button count, 40017 type, 40018 name size, 40019 key size, 40020 url size */
  invalidButtonSize: { errcode: 40016, errmsg: 'invalid button size' },
  invalidButtonType: { errcode: 40017, errmsg: 'invalid button type' },
  invalidButtonNameSize: { errcode: 40018, errmsg: 'invalid button name size' },
  invalidButtonKeySize: { errcode: 40019, errmsg: 'invalid button key size' },
  invalidButtonUrlSize: { errcode: 40020, errmsg: 'invalid button url size' },
  /** [D] sub menu: 40023 count, 40024 type, 40025 name size, 40026 key size, 40027 url size */
  invalidSubButtonSize: { errcode: 40023, errmsg: 'invalid sub button size' },
  invalidSubButtonType: { errcode: 40024, errmsg: 'invalid sub button type' },
  invalidSubButtonNameSize: { errcode: 40025, errmsg: 'invalid sub button name size' },
  invalidSubButtonKeySize: { errcode: 40026, errmsg: 'invalid sub button key size' },
  invalidSubButtonUrlSize: { errcode: 40027, errmsg: 'invalid sub button url size' },
  /** [D] 40035 invalid parameter (QR code fields) [U per field] */
  invalidParameter: { errcode: 40035, errmsg: 'invalid parameter' },
  /** [S] 40125 wrong AppSecret */
  invalidAppSecret: { errcode: 40125, errmsg: 'invalid appsecret' },
  /** [D] 40164 caller IP not in the whitelist (errmsg built by `ipWhitelistErrmsg`) */
  ipNotInWhitelist: { errcode: 40164, errmsg: 'invalid ip, not in whitelist' },
  /** [D] 41001 access_token missing */
  accessTokenMissing: { errcode: 41001, errmsg: 'access_token missing' },
  /** [D] 41006 media_id missing */
  mediaIdMissing: { errcode: 41006, errmsg: 'media_id missing' },
  /** [D] 41002 appid missing */
  appIdMissing: { errcode: 41002, errmsg: 'appid missing' },
  /** [D] 41004 appsecret missing */
  secretMissing: { errcode: 41004, errmsg: 'appsecret missing' },
  /** [D] 42001 access_token expired */
  accessTokenExpired: { errcode: 42001, errmsg: 'access_token expired' },
  /** [D] 44002 empty post data */
  emptyPostData: { errcode: 44002, errmsg: 'empty post data' },
  /** [D] 45009 daily quota (here: stable_token force_refresh over 20/day) */
  dailyQuota: { errcode: 45009, errmsg: 'reach max api daily quota limit' },
  /** [D] 45015 outside the customer-service window, or the user unsubscribed */
  outOfTimeLimit: { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' },
  /** [S] 45047 over the per-action message count */
  outOfCountLimit: { errcode: 45047, errmsg: 'out of response count limit' },
  /** [D] 46003 no menu */
  menuNotExist: { errcode: 46003, errmsg: 'menu no exist' },
  /** [D] 47001 data format error (body not JSON) */
  dataFormatError: { errcode: 47001, errmsg: 'data format error' },
  /** [D] 48001 api unauthorized (account type / verification lacks the permission) */
  apiUnauthorized: { errcode: 48001, errmsg: 'api unauthorized' },
} as const satisfies Record<string, MpError>;

/** A `rid` like the real MP appends to errmsgs. */
export function mpRid(): string {
  const hex = (n: number): string => Math.floor(Math.random() * 16 ** n).toString(16).padStart(n, '0');
  return `${hex(8)}-${hex(8)}-${hex(8)}`;
}

/** The 40164 errmsg (§3.2): `invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: …`. */
export function ipWhitelistErrmsg(ip: string): string {
  const v4 = ip.replace(/^::ffff:/, '');
  const v6 = /^\d+\.\d+\.\d+\.\d+$/.test(v4) ? `::ffff:${v4}` : ip;
  return `invalid ip ${v4} ipv6 ${v6}, not in whitelist rid: ${mpRid()}`;
}

export function knownMpErrmsg(errcode: number): string {
  const hit = Object.values(MP_ERRORS).find((e) => e.errcode === errcode);
  return hit?.errmsg ?? 'simulated error';
}
