import type { CredentialField, I18nText, PlatformCapability, PlatformDescriptor } from '@imbridge/contracts';

export const WECOM_DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com';

/**
 * Credential fields that mean the same for every WeCom platform (the app and 微信客服 both use a
 * self-built app's CorpID/Secret and its callback Token/EncodingAESKey). Functions, so each
 * descriptor gets its own objects.
 */
export function wecomCorpIdField(): CredentialField {
  return {
    name: 'corpId',
    label: { zh: '企业ID (CorpID)', en: 'Corp ID' },
    help: { zh: '管理后台「我的企业 → 企业信息」底部', en: 'Admin console: My Company → Company Info, at the bottom' },
    type: 'string',
    required: true,
    secret: false,
    pattern: 'w[wx][0-9a-fA-F]{16}',
    patternMessage: { zh: 'CorpID 为 ww 开头的 18 位字符', en: 'a Corp ID is 18 characters starting with "ww"' },
  };
}

/** The app Secret; label and help say which app's Secret each platform wants. */
export function wecomSecretField(label: I18nText, help: I18nText): CredentialField {
  return {
    name: 'secret',
    label,
    help,
    type: 'string',
    required: true,
    secret: true,
    pattern: '[A-Za-z0-9_-]{43}',
    patternMessage: { zh: 'Secret 为 43 位字母、数字、-、_', en: 'a Secret is 43 letters, digits, - or _' },
  };
}

/** The callback Token; help says where each platform's is set. */
export function wecomCallbackTokenField(help: I18nText): CredentialField {
  return {
    name: 'token',
    label: { zh: '回调 Token', en: 'Callback Token' },
    help,
    type: 'string',
    required: true,
    secret: true,
    pattern: '[A-Za-z0-9]{1,32}',
    patternMessage: { zh: 'Token 为不超过 32 位的英文或数字', en: 'a Token is up to 32 letters or digits' },
    generate: 'token',
  };
}

export function wecomEncodingAesKeyField(): CredentialField {
  return {
    name: 'encodingAesKey',
    label: { zh: 'EncodingAESKey', en: 'EncodingAESKey' },
    help: { zh: '与企业微信后台「设置API接收」中填写的一致', en: 'Must equal the one entered under Set API receiving in WeCom' },
    type: 'string',
    required: true,
    secret: true,
    pattern: '[A-Za-z0-9]{43}',
    patternMessage: { zh: 'EncodingAESKey 为 43 位英文或数字', en: 'an EncodingAESKey is 43 letters or digits' },
    generate: 'encodingAesKey',
  };
}

export function wecomApiBaseUrlField(): CredentialField {
  return {
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
  };
}

/** The configuration fields every WeCom platform has (secrets decrypted by the caller). */
export interface WecomBaseConfig {
  corpId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  /** Without a trailing slash; the default when not set. */
  apiBaseUrl: string;
}

/** Reads the shared fields of a saved configuration; a missing one throws, naming `platformId`. */
export function readWecomBaseConfig(config: Readonly<Record<string, unknown>>, platformId: string): WecomBaseConfig {
  const str = (k: string): string => {
    const v = config[k];
    if (typeof v !== 'string' || v === '') throw new Error(`${platformId} config field ${k} missing`);
    return v;
  };
  const base = typeof config['apiBaseUrl'] === 'string' && config['apiBaseUrl'] !== '' ? config['apiBaseUrl'] : WECOM_DEFAULT_API_BASE_URL;
  return {
    corpId: str('corpId'),
    secret: str('secret'),
    token: str('token'),
    encodingAesKey: str('encodingAesKey'),
    apiBaseUrl: base.replace(/\/+$/, ''),
  };
}

/**
 * The credential fields of a WeCom platform in their order: CorpID, the platform's own fields
 * (`afterCorpId`, e.g. the app's AgentId), Secret, callback Token, EncodingAESKey, API base URL.
 */
export function wecomCredentialFields(opts: {
  secretLabel: I18nText;
  secretHelp: I18nText;
  tokenHelp: I18nText;
  afterCorpId?: CredentialField[];
}): CredentialField[] {
  return [
    wecomCorpIdField(),
    ...(opts.afterCorpId ?? []),
    wecomSecretField(opts.secretLabel, opts.secretHelp),
    wecomCallbackTokenField(opts.tokenHelp),
    wecomEncodingAesKeyField(),
    wecomApiBaseUrlField(),
  ];
}

/**
 * What every WeCom callback platform declares: WXBizMsgCrypt callbacks (GET URL check, POST
 * messages), sending and a connection test. WeCom retries a callback three times within ~15 s;
 * a 10-minute replay tolerance leaves room for clock skew.
 */
export function wecomCallbackPlatformBase(
  more: PlatformCapability[] = [],
): Pick<PlatformDescriptor, 'capabilities' | 'callbackMethods' | 'defaultReplayToleranceSeconds'> {
  return { capabilities: ['callback', 'send', 'verify-credentials', ...more], callbackMethods: ['GET', 'POST'], defaultReplayToleranceSeconds: 600 };
}
