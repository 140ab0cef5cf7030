import type { PlatformDescriptor } from '@imbridge/contracts';

export const WECOM_DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com';

export const wecomDescriptor: PlatformDescriptor = {
  id: 'wecom',
  name: { zh: '企业微信自建应用', en: 'WeCom self-built app' },
  description: {
    zh: '接收企业成员（及通过微信插件的微信用户）发给自建应用的消息，并以应用身份回复。',
    en: 'Receives messages that employees (and WeChat users via the WeChat plug-in) send to a self-built app, and replies as the app.',
  },
  capabilities: ['callback', 'send', 'verify-credentials'],
  callbackMethods: ['GET', 'POST'],
  // WeCom retries three times within ~15 s; 10 minutes leaves room for clock skew.
  defaultReplayToleranceSeconds: 600,
  fields: [
    {
      name: 'corpId',
      label: { zh: '企业ID (CorpID)', en: 'Corp ID' },
      help: { zh: '管理后台「我的企业 → 企业信息」底部', en: 'Admin console: My Company → Company Info, at the bottom' },
      type: 'string',
      required: true,
      secret: false,
      pattern: 'w[wx][0-9a-fA-F]{16}',
      patternMessage: { zh: 'CorpID 为 ww 开头的 18 位字符', en: 'a Corp ID is 18 characters starting with "ww"' },
    },
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
    {
      name: 'secret',
      label: { zh: '应用 Secret', en: 'App Secret' },
      help: { zh: '应用详情页 → Secret「查看」，发送到企业微信客户端后复制', en: 'App page → Secret → View; it is sent to your WeCom client' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9_-]{43}',
      patternMessage: { zh: 'Secret 为 43 位字母、数字、-、_', en: 'a Secret is 43 letters, digits, - or _' },
    },
    {
      name: 'token',
      label: { zh: '回调 Token', en: 'Callback Token' },
      help: { zh: '应用详情页 →「接收消息 → 设置API接收」，可点「生成」', en: 'App page → Receive Messages → Set API receiving; you may generate one here' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{1,32}',
      patternMessage: { zh: 'Token 为不超过 32 位的英文或数字', en: 'a Token is up to 32 letters or digits' },
      generate: 'token',
    },
    {
      name: 'encodingAesKey',
      label: { zh: 'EncodingAESKey', en: 'EncodingAESKey' },
      help: { zh: '与企业微信后台「设置API接收」中填写的一致', en: 'Must equal the one entered under Set API receiving in WeCom' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{43}',
      patternMessage: { zh: 'EncodingAESKey 为 43 位英文或数字', en: 'an EncodingAESKey is 43 letters or digits' },
      generate: 'encodingAesKey',
    },
    {
      name: 'apiBaseUrl',
      label: { zh: 'API 地址', en: 'API base URL' },
      help: {
        zh: '私有化部署或经代理（固定出口 IP）访问时修改',
        en: 'Change it for a private deployment, or a proxy with a fixed egress IP',
      },
      type: 'url',
      required: false,
      secret: false,
      default: WECOM_DEFAULT_API_BASE_URL,
      advanced: true,
    },
    {
      name: 'replayToleranceSeconds',
      label: { zh: '回调时间戳容差（秒）', en: 'Callback timestamp tolerance (s)' },
      help: {
        zh: '拒绝时间戳偏差超过此值的回调（防重放）；0 表示不检查',
        en: 'Callbacks whose timestamp is further off are refused (replay protection); 0 turns the check off',
      },
      type: 'number',
      required: false,
      secret: false,
      min: 0,
      max: 7 * 24 * 3600,
      default: 600,
      advanced: true,
    },
  ],
  docs: [
    { label: { zh: '接收消息与事件', en: 'Receiving messages and events' }, url: 'https://developer.work.weixin.qq.com/document/path/90238' },
    { label: { zh: '加解密方案', en: 'Encryption scheme' }, url: 'https://developer.work.weixin.qq.com/document/path/90968' },
    { label: { zh: '发送应用消息', en: 'Sending app messages' }, url: 'https://developer.work.weixin.qq.com/document/path/90236' },
  ],
};

/** The saved configuration, as the adapter reads it (secrets decrypted by the caller). */
export interface WecomConfig {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  apiBaseUrl: string;
}

export function readWecomConfig(config: Readonly<Record<string, unknown>>): WecomConfig {
  const str = (k: string): string => {
    const v = config[k];
    if (typeof v !== 'string' || v === '') throw new Error(`wecom config field ${k} missing`);
    return v;
  };
  const base = typeof config['apiBaseUrl'] === 'string' && config['apiBaseUrl'] !== '' ? config['apiBaseUrl'] : WECOM_DEFAULT_API_BASE_URL;
  return {
    corpId: str('corpId'),
    agentId: Number(config['agentId']),
    secret: str('secret'),
    token: str('token'),
    encodingAesKey: str('encodingAesKey'),
    apiBaseUrl: base.replace(/\/+$/, ''),
  };
}
