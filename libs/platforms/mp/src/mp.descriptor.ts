import type { FieldProblem, PlatformDescriptor } from '@imbridge/contracts';
import { MP_CUSTOMER_SERVICE_REPLY_WINDOW, replayToleranceField } from '@imbridge/platform-core';

export const MP_DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';
/** Each delivery waits this long for the answer: WeChat gives up after 5 s, the network needs the rest. */
export const MP_DEFAULT_PASSIVE_BUDGET_MS = 4_500;
/** Text replies are paged at this many UTF-8 bytes (WeChat's text limit is 2048 bytes). */
export const MP_DEFAULT_PAGE_BYTES = 2_000;
export const MP_DEFAULT_PARKING_TEXT = '正在为您准备回答，请稍后发送任意消息获取。';
/** What the user replies for the next page of a long passive answer. */
export const MP_CONTINUE_WORDS = ['继续', '繼續', 'more'] as const;

export const MP_REPLY_MODES = ['auto', 'customer-service', 'passive'] as const;
export type MpReplyMode = (typeof MP_REPLY_MODES)[number];

/** 消息加解密方式 in the MP console: 明文模式 / 兼容模式 / 安全模式. */
export const MP_ENCRYPTION_MODES = ['plain', 'compatible', 'safe'] as const;
export type MpEncryptionMode = (typeof MP_ENCRYPTION_MODES)[number];

export const MP_ACCOUNT_TYPES = ['service', 'subscription'] as const;
export type MpAccountType = (typeof MP_ACCOUNT_TYPES)[number];

/**
 * 公众号 (WeChat Official Account). `encodingAesKey` is declared optional because a field cannot say
 * "required unless plain mode": that rule lives in `checkMpConfig` (the API runs it after the
 * per-field checks) and in `readMpConfig`, which refuses a compatible/safe config without a key.
 */
export const mpDescriptor: PlatformDescriptor = {
  id: 'mp',
  name: { zh: '微信公众号', en: 'WeChat Official Account' },
  description: {
    zh: '接收微信用户发给公众号（服务号或订阅号）的消息与事件，以被动回复或客服消息接口回复。',
    en: 'Receives the messages and events WeChat users send to an Official Account (service or subscription account) and answers by passive reply or the customer-service message API.',
  },
  // Passive replies, welcome messages and the configured reply windows live in apps/api/src/mp (hooks).
  capabilities: ['callback', 'send', 'verify-credentials', 'media-download', 'inbox-hooks', 'callback-reply', 'delivery-policy', 'reply-window-policy'],
  callbackMethods: ['GET', 'POST'],
  // WeChat re-delivers a callback 3 times within ~15 s; 10 minutes leaves room for clock skew.
  defaultReplayToleranceSeconds: 600,
  replyWindow: MP_CUSTOMER_SERVICE_REPLY_WINDOW,
  // Official Accounts document no per-second or per-minute limit for customer-service messages
  // (message/custom/send), only a daily quota: 500,000 calls for a newly registered account (more
  // with many followers; 50,000 for a test account), beyond which calls fail with 45009 until the
  // next day (https://developers.weixin.qq.com/doc/service/Message_Management/API_Call_Limits.html).
  // 50/s is still ~9× the quota's average rate for bursts, yet a runaway loop at full speed needs
  // ~2.8 h to use up a day's quota: time to notice. Raise it for an account whose quota is higher.
  defaultSendRatePerSecond: 50,
  fields: [
    {
      name: 'appId',
      label: { zh: '开发者ID (AppID)', en: 'AppID' },
      help: { zh: '公众号后台「设置与开发 → 基本配置」', en: 'MP console: Settings & Development → Basic Configuration' },
      type: 'string',
      required: true,
      secret: false,
      pattern: 'wx[0-9a-fA-F]{16}',
      patternMessage: { zh: 'AppID 为 wx 开头的 18 位字符', en: 'an AppID is 18 characters starting with "wx"' },
    },
    {
      name: 'appSecret',
      label: { zh: '开发者密码 (AppSecret)', en: 'AppSecret' },
      help: {
        zh: '「基本配置 → 开发者密码」，需管理员扫码查看或重置；重置后旧值立即失效',
        en: 'Basic Configuration → AppSecret; an administrator scans a QR code to view or reset it, and a reset invalidates the old one at once',
      },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{32}',
      patternMessage: { zh: 'AppSecret 为 32 位英文或数字', en: 'an AppSecret is 32 letters or digits' },
    },
    {
      name: 'token',
      label: { zh: '令牌 (Token)', en: 'Token' },
      help: {
        zh: '「基本配置 → 服务器配置」中的 Token，须与此处一致；可点「生成」',
        en: 'The Token under Basic Configuration → Server Configuration; it must be the same here. You may generate one',
      },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{3,32}',
      patternMessage: { zh: 'Token 为 3–32 位英文或数字', en: 'a Token is 3–32 letters or digits' },
      generate: 'token',
    },
    {
      name: 'encodingAesKey',
      label: { zh: '消息加解密密钥 (EncodingAESKey)', en: 'EncodingAESKey' },
      help: {
        zh: '「服务器配置」中的 EncodingAESKey（43 位）；兼容模式和安全模式必填，明文模式可不填',
        en: 'The EncodingAESKey (43 characters) under Server Configuration; required in compatible and safe mode, optional in plain mode',
      },
      type: 'string',
      required: false,
      secret: true,
      pattern: '[A-Za-z0-9]{43}',
      patternMessage: { zh: 'EncodingAESKey 为 43 位英文或数字', en: 'an EncodingAESKey is 43 letters or digits' },
      generate: 'encodingAesKey',
    },
    {
      name: 'encryptionMode',
      label: { zh: '消息加解密方式', en: 'Message encryption mode' },
      help: {
        zh: '须与「服务器配置」中的选择一致。明文模式不安全：消息体没有签名，可被篡改或伪造；建议使用安全模式',
        en: 'Must match the choice under Server Configuration. Plain mode is insecure: the message body is not signed and can be altered or forged; safe mode is recommended',
      },
      type: 'select',
      required: false,
      secret: false,
      default: 'safe',
      options: [
        { value: 'safe', label: { zh: '安全模式（推荐）', en: 'Safe mode (recommended)' } },
        { value: 'compatible', label: { zh: '兼容模式', en: 'Compatible mode' } },
        { value: 'plain', label: { zh: '明文模式（不安全）', en: 'Plain mode (insecure)' } },
      ],
    },
    {
      name: 'accountType',
      label: { zh: '账号类型', en: 'Account type' },
      help: {
        zh: '服务号或订阅号，见「设置与开发 → 账号设置」',
        en: 'Service account or subscription account, see Settings & Development → Account Settings',
      },
      type: 'select',
      required: true,
      secret: false,
      options: [
        { value: 'service', label: { zh: '服务号', en: 'Service account' } },
        { value: 'subscription', label: { zh: '订阅号', en: 'Subscription account' } },
      ],
    },
    {
      name: 'verified',
      label: { zh: '已认证（微信认证）', en: 'Verified (WeChat verification)' },
      help: {
        zh: '已认证的账号才能使用客服消息接口异步回复；未认证的订阅号只能在回调内被动回复',
        en: 'Only verified accounts may answer later through the customer-service message API; an unverified subscription account can only reply passively inside the callback',
      },
      type: 'boolean',
      required: false,
      secret: false,
      default: false,
    },
    {
      name: 'replyMode',
      label: { zh: '回复方式', en: 'How answers are sent' },
      help: {
        zh: '自动：服务号或已认证账号用客服消息接口（先回 success，再异步发送）；未认证订阅号只能被动回复（须在 5 秒内答复，利用微信重试等待，来不及时先回复提示语，答案在用户下一条消息时送达）',
        en: 'Automatic: service or verified accounts use the customer-service API (acknowledge with success, send later); an unverified subscription account can only reply passively (within 5 seconds, using WeChat\'s retries to wait; if the answer is still not ready a holding text is sent and the answer comes with the user\'s next message)',
      },
      type: 'select',
      required: false,
      secret: false,
      default: 'auto',
      options: [
        { value: 'auto', label: { zh: '自动（按账号类型与认证）', en: 'Automatic (by account type and verification)' } },
        { value: 'customer-service', label: { zh: '客服消息接口', en: 'Customer-service API' } },
        { value: 'passive', label: { zh: '仅被动回复', en: 'Passive reply only' } },
      ],
    },
    {
      name: 'welcomeText',
      label: { zh: '关注欢迎语', en: 'Welcome message on subscribe' },
      help: {
        zh: '用户关注公众号时回复；扫带参数二维码关注时优先使用该二维码的欢迎语。留空则不回复',
        en: 'Sent when a user subscribes; a user who subscribes by scanning a parameterized QR code gets that code\'s welcome text instead. Empty: no welcome',
      },
      type: 'string',
      required: false,
      secret: false,
      maxLength: 600,
      multiline: true,
    },
    {
      name: 'parkingText',
      label: { zh: '答案未就绪提示语', en: 'Holding text' },
      help: {
        zh: '被动回复模式：微信三次推送都结束仍未得到答案时回复此句，答案在用户下一条消息时送达',
        en: 'Passive replies: sent when the answer is still not ready after WeChat\'s three deliveries; the answer then comes with the user\'s next message',
      },
      type: 'string',
      required: false,
      secret: false,
      maxLength: 200,
      multiline: true,
      default: MP_DEFAULT_PARKING_TEXT,
      advanced: true,
    },
    {
      name: 'passiveBudgetMs',
      label: { zh: '被动回复等待时长（毫秒）', en: 'Passive reply budget (ms)' },
      help: {
        zh: '每次推送最多等待答案的时间，须小于微信的 5 秒超时（含网络往返）',
        en: 'How long each delivery waits for the answer; must stay under WeChat\'s 5-second timeout, network included',
      },
      type: 'number',
      required: false,
      secret: false,
      min: 500,
      max: 4800,
      default: MP_DEFAULT_PASSIVE_BUDGET_MS,
      advanced: true,
    },
    {
      name: 'pageBytes',
      label: { zh: '被动回复每页字节数', en: 'Passive reply page size (bytes)' },
      help: {
        zh: '超过此长度的答案分页发送，用户回复「继续」查看下一页',
        en: 'Longer answers are paged; the user replies 「继续」 for the next page',
      },
      type: 'number',
      required: false,
      secret: false,
      min: 200,
      max: 2048,
      default: MP_DEFAULT_PAGE_BYTES,
      advanced: true,
    },
    {
      name: 'windowMessageCount',
      label: { zh: '客服消息额度：用户发消息后可发条数', en: 'Customer-service quota after a user message' },
      help: { zh: '当前文档：48 小时内 5 条', en: 'Current documentation: 5 messages within 48 hours' },
      type: 'number',
      required: false,
      secret: false,
      min: 1,
      max: 100,
      default: 5,
      advanced: true,
    },
    {
      name: 'windowMessageHours',
      label: { zh: '客服消息额度：用户发消息后有效小时数', en: 'Customer-service window after a user message (hours)' },
      type: 'number',
      required: false,
      secret: false,
      min: 1,
      max: 48,
      default: 48,
      advanced: true,
    },
    {
      name: 'windowEventCount',
      label: { zh: '客服消息额度：关注/点击菜单/扫码后可发条数', en: 'Customer-service quota after subscribe / menu click / scan' },
      help: { zh: '当前文档：1 分钟内 3 条', en: 'Current documentation: 3 messages within 1 minute' },
      type: 'number',
      required: false,
      secret: false,
      min: 1,
      max: 100,
      default: 3,
      advanced: true,
    },
    {
      name: 'windowEventMinutes',
      label: { zh: '客服消息额度：关注/点击菜单/扫码后有效分钟数', en: 'Customer-service window after subscribe / menu click / scan (minutes)' },
      type: 'number',
      required: false,
      secret: false,
      min: 1,
      max: 2880,
      default: 1,
      advanced: true,
    },
    {
      name: 'apiBaseUrl',
      label: { zh: 'API 地址', en: 'API base URL' },
      help: {
        zh: '经代理（固定出口 IP，便于加入 IP 白名单）访问时修改',
        en: 'Change it for a proxy with a fixed egress IP (easier to add to the IP whitelist)',
      },
      type: 'url',
      required: false,
      secret: false,
      default: MP_DEFAULT_API_BASE_URL,
      advanced: true,
    },
    replayToleranceField(),
  ],
  docs: [
    { label: { zh: '接入概述（服务器配置）', en: 'Getting started (server configuration)' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html' },
    { label: { zh: '消息加解密说明', en: 'Message encryption' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html' },
    { label: { zh: '接收普通消息', en: 'Receiving messages' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html' },
    { label: { zh: '接收事件推送', en: 'Receiving events' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html' },
    { label: { zh: '被动回复用户消息', en: 'Passive replies' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html' },
    { label: { zh: '客服消息', en: 'Customer-service messages' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html' },
    { label: { zh: '获取稳定版接口调用凭据', en: 'Stable access token' }, url: 'https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html' },
  ],
};

/** The saved configuration, as the adapter reads it (secrets decrypted by the caller). */
export interface MpConfig {
  appId: string;
  appSecret: string;
  token: string;
  /** Absent only in plain mode. */
  encodingAesKey?: string;
  encryptionMode: MpEncryptionMode;
  accountType: MpAccountType;
  verified: boolean;
  /** Without a trailing slash; the default when not set. */
  apiBaseUrl: string;
  replyMode: MpReplyMode;
  /** null: no welcome on subscribe. */
  welcomeText: string | null;
  parkingText: string;
  passiveBudgetMs: number;
  pageBytes: number;
  window: { messageCount: number; messageHours: number; eventCount: number; eventMinutes: number };
}

/**
 * The rules one field cannot express. Run after the per-field checks (checkConfig); returns the
 * problems, empty when the config is consistent.
 */
export function checkMpConfig(config: Readonly<Record<string, unknown>>): FieldProblem[] {
  const mode = config['encryptionMode'] ?? 'safe';
  const key = config['encodingAesKey'];
  if (mode !== 'plain' && (typeof key !== 'string' || key === '')) {
    return [
      {
        field: 'encodingAesKey',
        message: { zh: '兼容模式和安全模式必须填写 EncodingAESKey', en: 'compatible and safe mode need the EncodingAESKey' },
      },
    ];
  }
  return [];
}

/** Reads a saved configuration; a missing or inconsistent field throws. */
export function readMpConfig(config: Readonly<Record<string, unknown>>): MpConfig {
  const str = (k: string): string => {
    const v = config[k];
    if (typeof v !== 'string' || v === '') throw new Error(`mp config field ${k} missing`);
    return v;
  };
  const modeValue = config['encryptionMode'] ?? 'safe';
  if (!(MP_ENCRYPTION_MODES as readonly unknown[]).includes(modeValue)) throw new Error('mp config field encryptionMode invalid');
  const encryptionMode = modeValue as MpEncryptionMode;
  const accountValue = config['accountType'] ?? 'service';
  if (!(MP_ACCOUNT_TYPES as readonly unknown[]).includes(accountValue)) throw new Error('mp config field accountType invalid');
  const key = config['encodingAesKey'];
  const encodingAesKey = typeof key === 'string' && key !== '' ? key : undefined;
  if (encryptionMode !== 'plain' && encodingAesKey === undefined) throw new Error('mp config field encodingAesKey missing');
  const base = typeof config['apiBaseUrl'] === 'string' && config['apiBaseUrl'] !== '' ? config['apiBaseUrl'] : MP_DEFAULT_API_BASE_URL;
  return {
    appId: str('appId'),
    appSecret: str('appSecret'),
    token: str('token'),
    ...(encodingAesKey !== undefined ? { encodingAesKey } : {}),
    encryptionMode,
    accountType: accountValue as MpAccountType,
    verified: config['verified'] === true,
    apiBaseUrl: base.replace(/\/+$/, ''),
    replyMode: (MP_REPLY_MODES as readonly unknown[]).includes(config['replyMode']) ? (config['replyMode'] as MpReplyMode) : 'auto',
    welcomeText: typeof config['welcomeText'] === 'string' && config['welcomeText'].trim() !== '' ? config['welcomeText'] : null,
    parkingText: typeof config['parkingText'] === 'string' && config['parkingText'].trim() !== '' ? config['parkingText'] : MP_DEFAULT_PARKING_TEXT,
    passiveBudgetMs: num(config['passiveBudgetMs'], MP_DEFAULT_PASSIVE_BUDGET_MS, 500, 4_800),
    pageBytes: num(config['pageBytes'], MP_DEFAULT_PAGE_BYTES, 200, 2_048),
    window: {
      messageCount: num(config['windowMessageCount'], 5, 1, 100),
      messageHours: num(config['windowMessageHours'], 48, 1, 48),
      eventCount: num(config['windowEventCount'], 3, 1, 100),
      eventMinutes: num(config['windowEventMinutes'], 1, 1, 2_880),
    },
  };
}

/** A number field, or its default when absent or out of range (the API validates what is saved). */
function num(v: unknown, dflt: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : dflt;
}

/**
 * How answers reach the user: the customer-service API (service or verified accounts), or passive
 * replies only (an unverified subscription account has no customer-service API). `replyMode`
 * overrides the automatic choice.
 */
export function mpDeliveryMode(cfg: Pick<MpConfig, 'replyMode' | 'accountType' | 'verified'>): 'customer-service' | 'passive' {
  if (cfg.replyMode === 'customer-service' || cfg.replyMode === 'passive') return cfg.replyMode;
  return mpCanUseCustomerService(cfg) ? 'customer-service' : 'passive';
}

/**
 * Whether the account may use the customer-service message API: service accounts and verified
 * accounts (an unverified subscription account cannot, wecom-mp.md §4.4; the simulator agrees).
 */
export function mpCanUseCustomerService(cfg: Pick<MpConfig, 'verified' | 'accountType'>): boolean {
  return cfg.verified || cfg.accountType === 'service';
}
