/**
 * WeCom error answers the simulator gives. Codes come from the global error code table
 * (doc 90313, see shared/protocols/wecom-mp.md §3.1 and §4); errmsg strings are the ones
 * seen in real answers. Gateways must branch on errcode only; errmsgs are best-effort.
 *
 * Certainty: [D] in the official table, [S] seen in SDKs/logs, [U] a reasonable guess.
 * Everything is a named constant so a wrong guess is a one-line fix.
 */
export interface WecomError {
  readonly errcode: number;
  readonly errmsg: string;
}

export const WECOM_ERRORS = {
  /** [D] -1 系统繁忙 (retry ≤3 times); only produced by fault scripts */
  systemBusy: { errcode: -1, errmsg: 'system busy' },
  /** [D] 40001 不合法的secret参数 */
  invalidCredential: { errcode: 40001, errmsg: 'invalid credential' },
  /** [D] 40004 不合法的媒体文件类型: the `type` of media/upload is not image|voice|video|file. [U: 40004 vs 40005] */
  invalidMediaType: { errcode: 40004, errmsg: 'invalid media type' },
  /** [D] 40006 不合法的文件大小 (also ≤5 bytes, voice/file over limit) */
  invalidFileSize: { errcode: 40006, errmsg: 'invalid file size' },
  /** [D] 40007 不合法的media_id参数 */
  invalidMediaId: { errcode: 40007, errmsg: 'invalid media_id' },
  /** [D] 40008 不合法的msgtype参数 */
  invalidMsgType: { errcode: 40008, errmsg: 'invalid message type' },
  /** [D] 40009 上传图片大小不是有效值 */
  invalidImageSize: { errcode: 40009, errmsg: 'invalid image size' },
  /** [D] 40011 上传视频大小不是有效值 */
  invalidVideoSize: { errcode: 40011, errmsg: 'invalid video size' },
  /** [D] 40013 不合法的CorpID */
  invalidCorpId: { errcode: 40013, errmsg: 'invalid corpid' },
  /** [D] 40014 不合法的access_token */
  invalidAccessToken: { errcode: 40014, errmsg: 'invalid access_token' },
  /** [D] 40035 不合法的参数: used for structurally wrong payload fields (e.g. template_card.card_type). [U per field] */
  invalidParameter: { errcode: 40035, errmsg: 'invalid parameter' },
  /** [D] 40056 不合法的agentid */
  invalidAgentId: { errcode: 40056, errmsg: 'invalid agentid' },
  /** [D] 41001 缺少access_token参数 */
  accessTokenMissing: { errcode: 41001, errmsg: 'access_token missing' },
  /** [D] 41002 缺少corpid参数 */
  corpIdMissing: { errcode: 41002, errmsg: 'corpid missing' },
  /** [D] 41004 缺少secret参数 */
  secretMissing: { errcode: 41004, errmsg: 'corpsecret missing' },
  /** [D] 41006 缺少media_id参数 */
  mediaIdMissing: { errcode: 41006, errmsg: 'media_id missing' },
  /** [D] 41010 缺少url参数 (textcard/news) */
  urlMissing: { errcode: 41010, errmsg: 'missing url' },
  /** [D] 41011 缺少agentid参数 */
  agentIdMissing: { errcode: 41011, errmsg: 'missing agentid' },
  /** [D] 41016 缺少title参数 */
  titleMissing: { errcode: 41016, errmsg: 'missing title' },
  /** [D] 41033 缺少description参数 (textcard) */
  descriptionMissing: { errcode: 41033, errmsg: 'missing description' },
  /** [D] 42001 access_token已过期 */
  accessTokenExpired: { errcode: 42001, errmsg: 'access_token expired' },
  /** [D] 44001 多媒体文件为空 (no `media` part / empty file) */
  emptyMedia: { errcode: 44001, errmsg: 'empty media data' },
  /** [S] 44002 POST的数据包为空 */
  emptyPostData: { errcode: 44002, errmsg: 'empty post data' },
  /** [D] 44004 文本消息content参数为空 ("empty content" observed) */
  emptyContent: { errcode: 44004, errmsg: 'empty content' },
  /** [D] 45002 消息内容大小超过限制 ("content size out of limit" observed). See `textOverLimit`. */
  contentSizeOutOfLimit: { errcode: 45002, errmsg: 'content size out of limit' },
  /** [D] 45008 图文消息的文章数量不符合系统限制 (news/mpnews: 1..8 articles) */
  articleSizeOutOfLimit: { errcode: 45008, errmsg: 'article size out of limit' },
  /** [D] 45009 接口调用超过限制; only produced by fault scripts */
  apiFreqOutOfLimit: { errcode: 45009, errmsg: 'api freq out of limit' },
  /** [S] 47001 JSON body does not parse */
  dataFormatError: { errcode: 47001, errmsg: 'data format error' },
  /** [D] 60011 指定的成员/部门/标签参数无权限; also agent/get of another app of the corp [U] */
  noPrivilege: { errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' },
  /** [D] 60020 访问ip不在白名单之中; errmsg gets the hint/from-ip suffix, see `trustedIpErrmsg`. */
  ipNotAllowed: { errcode: 60020, errmsg: 'not allow to access from your ip' },
  /**
   * [S] no touser/toparty/totag at all. Observed as
   * `{"errcode":82001,"errmsg":"All touser & toparty & totag invalid"}` for a request without
   * recipients; 81013 "user & party & tag all invalid" is the documented code when recipients
   * are given but all invalid. The simulator does not model a directory, so only the
   * "none given" case is checked.
   */
  noRecipients: { errcode: 82001, errmsg: 'All touser & toparty & totag invalid' },
} as const satisfies Record<string, WecomError>;

export type WecomErrorName = keyof typeof WECOM_ERRORS;

/** Real errmsgs end with this suffix (the hint is a request id). */
export function errmsgHintSuffix(errcode: number, ip: string, now = Date.now()): string {
  const hint = `${Math.floor(now / 1000)}_${Math.floor(Math.random() * 100)}_${Math.random().toString(16).slice(2, 10)}`;
  return `, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

/** The 60020 errmsg exactly as WeCom words it. */
export function trustedIpErrmsg(ip: string): string {
  return `${WECOM_ERRORS.ipNotAllowed.errmsg}${errmsgHintSuffix(WECOM_ERRORS.ipNotAllowed.errcode, ip)}`;
}

/** Byte limit of text.content / markdown.content for message/send. [D] */
export const WECOM_TEXT_MAX_BYTES = 2048;

/** Media upload size limits in bytes and the error for exceeding them. [D] */
export const WECOM_MEDIA_LIMITS = {
  image: { maxBytes: 10 * 1024 * 1024, error: WECOM_ERRORS.invalidImageSize },
  voice: { maxBytes: 2 * 1024 * 1024, error: WECOM_ERRORS.invalidFileSize },
  video: { maxBytes: 10 * 1024 * 1024, error: WECOM_ERRORS.invalidVideoSize },
  file: { maxBytes: 20 * 1024 * 1024, error: WECOM_ERRORS.invalidFileSize },
} as const;

/** Every uploaded file must be larger than this. [D] */
export const WECOM_MEDIA_MIN_BYTES = 6;

/** Temporary media live 3 days. [D] */
export const WECOM_MEDIA_TTL_MS = 3 * 24 * 3600 * 1000;
