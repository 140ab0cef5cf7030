import { KF_HISTORY_FIELD, type KfHistoryOnSetup, type PlatformDescriptor } from '@imbridge/contracts';
import { WECOM_KF_REPLY_WINDOW } from '@imbridge/platform-core';
import {
  readWecomBaseConfig,
  WECOM_DEFAULT_API_BASE_URL,
  wecomCallbackPlatformBase,
  wecomCredentialFields,
  type WecomBaseConfig,
} from '@imbridge/platform-wecom-common';

export const WECOM_KF_DEFAULT_API_BASE_URL = WECOM_DEFAULT_API_BASE_URL;

export const wecomKfDescriptor: PlatformDescriptor = {
  id: 'wecom-kf',
  name: { zh: '微信客服', en: 'WeChat Customer Service (WeCom kf)' },
  description: {
    zh: '微信用户通过客服链接或二维码咨询企业；消息经回调通知后由 sync_msg 拉取，并通过 kf/send_msg 回复。',
    en: 'WeChat users reach the company through a customer-service link or QR code; messages are announced by callback, pulled with sync_msg and answered with kf/send_msg.',
  },
  // The pull (sync_msg), session sync and per-account routing live in apps/api/src/kf (hooks).
  ...wecomCallbackPlatformBase(['media-download', 'inbox-hooks', 'cursor-pull']),
  replyWindow: WECOM_KF_REPLY_WINDOW,
  // kf/send_msg is an ordinary WeCom API, so it counts toward the base frequency
  // (https://developer.work.weixin.qq.com/document/path/90454): per corp and API at most 10,000 calls
  // a minute (older copies for self-built apps: 2,000). 100/s is 6,000 a minute, room left for the
  // corp's other callers of kf/send_msg; per customer the reply window (5 messages within 48 h)
  // binds long before any rate.
  defaultSendRatePerSecond: 100,
  fields: [
    ...wecomCredentialFields({
    secretLabel: { zh: '可调用微信客服接口的应用 Secret', en: 'Secret of the app allowed to call the kf API' },
    secretHelp: {
      zh: '「微信客服 → API → 可调用接口的应用」中所选自建应用的 Secret（2023-12-01 起新企业不再支持微信客服系统应用 Secret）',
      en: 'The Secret of the self-built app chosen under WeChat Customer Service → API → apps allowed to call the API (the kf system-app Secret is no longer accepted for corps created after 2023-12-01)',
    },
    tokenHelp: { zh: '该应用「接收消息 → 设置API接收」中的 Token，可点「生成」', en: 'The app\'s Receive Messages → Set API receiving Token; you may generate one here' },
    }),
    {
      name: KF_HISTORY_FIELD,
      label: { zh: '首次接入时的历史消息', en: 'History on first setup' },
      help: {
        zh: '平台保留最近 3 天的消息。「跳过」：接入前的消息不拉取；「导入」：作为历史记录存入会话，但不自动回复',
        en: 'The platform keeps the last 3 days. Skip: messages from before setup are not pulled; Import: they are stored in the chats as history, never answered',
      },
      type: 'select',
      required: false,
      secret: false,
      default: 'skip',
      options: [
        { value: 'skip', label: { zh: '跳过', en: 'Skip' } },
        { value: 'import', label: { zh: '导入最近 3 天（不回复）', en: 'Import the last 3 days (not answered)' } },
      ],
    },
  ],
  docs: [
    { label: { zh: '接收消息和事件（sync_msg）', en: 'Receiving messages and events (sync_msg)' }, url: 'https://developer.work.weixin.qq.com/document/path/94670' },
    { label: { zh: '发送消息', en: 'Sending messages' }, url: 'https://developer.work.weixin.qq.com/document/path/94677' },
    { label: { zh: '发送欢迎语等事件响应消息', en: 'Event response messages (welcome)' }, url: 'https://developer.work.weixin.qq.com/document/path/95122' },
    { label: { zh: '分配客服会话', en: 'Session state' }, url: 'https://developer.work.weixin.qq.com/document/path/94669' },
    { label: { zh: '客服账号管理', en: 'KF accounts' }, url: 'https://developer.work.weixin.qq.com/document/path/94661' },
    { label: { zh: '加解密方案', en: 'Encryption scheme' }, url: 'https://developer.work.weixin.qq.com/document/path/90968' },
  ],
};

/** The saved configuration, as the adapter reads it (secrets decrypted by the caller). */
export type WecomKfConfig = WecomBaseConfig & { historyOnSetup: KfHistoryOnSetup };

export function readWecomKfConfig(config: Readonly<Record<string, unknown>>): WecomKfConfig {
  return { ...readWecomBaseConfig(config, 'wecom-kf'), historyOnSetup: config[KF_HISTORY_FIELD] === 'import' ? 'import' : 'skip' };
}
