import type { PlatformDescriptor } from '@imbridge/contracts';
import { replayToleranceField } from '@imbridge/platform-core';
import { readWecomBaseConfig, wecomCallbackPlatformBase, wecomCredentialFields, type WecomBaseConfig } from '@imbridge/platform-wecom-common';

export { WECOM_DEFAULT_API_BASE_URL } from '@imbridge/platform-wecom-common';

export const wecomDescriptor: PlatformDescriptor = {
  id: 'wecom',
  name: { zh: '企业微信自建应用', en: 'WeCom self-built app' },
  description: {
    zh: '接收企业成员（及通过微信插件的微信用户）发给自建应用的消息，并以应用身份回复。',
    en: 'Receives messages that employees (and WeChat users via the WeChat plug-in) send to a self-built app, and replies as the app.',
  },
  ...wecomCallbackPlatformBase(['media-download']),
  // App messages may be sent at any time: no reply window.
  replyWindow: null,
  // WeCom's frequency limits (https://developer.work.weixin.qq.com/document/path/90454): app message
  // sends do not count toward the base frequency; they are capped per app at "account limit × 200"
  // recipients a day and at 30 a minute / 1000 an hour to one member (the excess is silently dropped,
  // which no per-integration budget can prevent). The budget also covers the calls that do count,
  // per corp and API: media/upload (an agent's image) and gettoken, at most 10,000 a minute (older
  // copies of the page for self-built apps say 2,000). 100/s keeps even an all-image stream at 6,000
  // uploads a minute, leaving the rest of the corp's allowance to its other apps; a corp under the
  // older 2,000/min limit that sends many images should set 30.
  defaultSendRatePerSecond: 100,
  fields: [
    ...wecomCredentialFields({
      afterCorpId: [
        {
          name: 'agentId',
          label: { zh: '应用 AgentId', en: 'AgentId' },
          help: { zh: '应用管理 → 自建应用详情页', en: 'App Management → the self-built app\'s page' },
          type: 'number',
          required: true,
          secret: false,
          min: 1,
          max: 2147483647,
        },
      ],
      secretLabel: { zh: '应用 Secret', en: 'App Secret' },
      secretHelp: { zh: '应用详情页 → Secret「查看」，发送到企业微信客户端后复制', en: 'App page → Secret → View; it is sent to your WeCom client' },
      tokenHelp: { zh: '应用详情页 →「接收消息 → 设置API接收」，可点「生成」', en: 'App page → Receive Messages → Set API receiving; you may generate one here' },
    }),
    replayToleranceField(),
  ],
  docs: [
    { label: { zh: '接收消息与事件', en: 'Receiving messages and events' }, url: 'https://developer.work.weixin.qq.com/document/path/90238' },
    { label: { zh: '加解密方案', en: 'Encryption scheme' }, url: 'https://developer.work.weixin.qq.com/document/path/90968' },
    { label: { zh: '发送应用消息', en: 'Sending app messages' }, url: 'https://developer.work.weixin.qq.com/document/path/90236' },
  ],
};

/** The saved configuration, as the adapter reads it (secrets decrypted by the caller). */
export interface WecomConfig extends WecomBaseConfig {
  agentId: number;
}

export function readWecomConfig(config: Readonly<Record<string, unknown>>): WecomConfig {
  return { ...readWecomBaseConfig(config, 'wecom'), agentId: Number(config['agentId']) };
}
