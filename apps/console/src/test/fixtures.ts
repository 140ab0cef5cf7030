import type { IntegrationView, PlatformDescriptor, UserView } from '@imbridge/contracts';

/** A realistic WeCom (企业微信 self-built app) descriptor, as GET /api/platforms returns it. */
export const wecomDescriptor: PlatformDescriptor = {
  id: 'wecom',
  name: { zh: '企业微信', en: 'WeCom' },
  description: {
    zh: '企业微信自建应用：接收成员消息并以应用身份回复。',
    en: 'WeCom self-built app: receives messages from members and replies as the app.',
  },
  capabilities: ['callback', 'send', 'verify-credentials'],
  callbackMethods: ['GET', 'POST'],
  defaultReplayToleranceSeconds: 86400,
  defaultSendRatePerSecond: 100,
  docs: [{ label: { zh: '接收消息与事件', en: 'Receiving messages and events' }, url: 'https://developer.work.weixin.qq.com/document/path/90238' }],
  fields: [
    {
      name: 'corpId',
      label: { zh: '企业 ID', en: 'Corp ID' },
      help: { zh: '在“我的企业 → 企业信息”页面底部', en: 'At the bottom of My Company → Company Info' },
      type: 'string',
      required: true,
      secret: false,
      pattern: 'ww[0-9a-f]{16}|wx[0-9a-f]{16}',
      patternMessage: { zh: '企业 ID 应为 ww 或 wx 开头的 18 位字符', en: 'Corp ID is 18 characters starting with ww or wx' },
    },
    {
      name: 'agentId',
      label: { zh: '应用 AgentId', en: 'AgentId' },
      type: 'number',
      required: true,
      secret: false,
      min: 1,
    },
    {
      name: 'secret',
      label: { zh: '应用 Secret', en: 'App Secret' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9_-]{43}',
      patternMessage: { zh: 'Secret 应为 43 位字符', en: 'Secret is 43 characters' },
    },
    {
      name: 'token',
      label: { zh: 'Token', en: 'Token' },
      help: { zh: '与企业微信后台“接收消息”设置中的 Token 相同', en: 'Same as the Token in the WeCom “Receive messages” settings' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{1,32}',
      patternMessage: { zh: 'Token 应为 1 到 32 位英文字母或数字', en: 'Token is 1 to 32 letters or digits' },
      generate: 'token',
    },
    {
      name: 'encodingAesKey',
      label: { zh: 'EncodingAESKey', en: 'EncodingAESKey' },
      type: 'string',
      required: true,
      secret: true,
      pattern: '[A-Za-z0-9]{43}',
      patternMessage: { zh: 'EncodingAESKey 应为 43 位英文字母或数字', en: 'EncodingAESKey is 43 letters or digits' },
      generate: 'encodingAesKey',
    },
    {
      name: 'apiBaseUrl',
      label: { zh: 'API 地址', en: 'API base URL' },
      type: 'url',
      required: false,
      secret: false,
      default: 'https://qyapi.weixin.qq.com',
      advanced: true,
    },
    {
      name: 'replayToleranceSeconds',
      label: { zh: '防重放时间窗（秒）', en: 'Replay tolerance (seconds)' },
      help: { zh: '0 表示不检查时间戳', en: '0 turns the timestamp check off' },
      type: 'number',
      required: false,
      secret: false,
      min: 0,
      default: 86400,
      advanced: true,
    },
  ],
};

/** A descriptor with one field of each remaining type. */
export const kitchenSinkDescriptor: PlatformDescriptor = {
  ...wecomDescriptor,
  id: 'feishu',
  name: { zh: '飞书', en: 'Feishu' },
  fields: [
    ...wecomDescriptor.fields,
    {
      name: 'encryptReplies',
      label: { zh: '加密回复', en: 'Encrypt replies' },
      type: 'boolean',
      required: false,
      secret: false,
      default: true,
    },
    {
      name: 'region',
      label: { zh: '区域', en: 'Region' },
      type: 'select',
      required: true,
      secret: false,
      default: 'cn',
      options: [
        { value: 'cn', label: { zh: '中国大陆', en: 'Mainland China' } },
        { value: 'intl', label: { zh: '海外', en: 'International' } },
      ],
    },
  ],
};

export const adminUser: UserView = {
  id: 'u-1',
  username: 'admin',
  displayName: '王小明',
  role: 'admin',
  createdAt: '2025-01-01T00:00:00.000Z',
};

export const agentUser: UserView = { ...adminUser, id: 'u-2', username: 'agent1', displayName: '李客服', role: 'agent' };

export const wecomIntegration: IntegrationView = {
  id: 'int-1',
  platform: 'wecom',
  name: '客服号 - 华东',
  enabled: true,
  config: {
    corpId: 'ww0123456789abcdef',
    agentId: 1000002,
    secret: { set: true, last4: 'Ab9_', updatedAt: '2025-03-01T08:00:00.000Z' },
    token: { set: true, last4: 'x7Yz', updatedAt: '2025-03-01T08:00:00.000Z' },
    encodingAesKey: { set: true, last4: 'Q2w3', updatedAt: '2025-03-01T08:00:00.000Z' },
    apiBaseUrl: 'https://qyapi.weixin.qq.com',
    replayToleranceSeconds: 86400,
  },
  callbackUrl: 'https://imbridge.example.com/callbacks/wecom/int-1',
  createdAt: '2025-03-01T08:00:00.000Z',
  updatedAt: '2025-03-02T09:30:00.000Z',
  lastError: null,
  sendRatePerSecond: null,
  defaultSendRatePerSecond: 100,
};
