import { checkConfig, checkFieldValue } from '@imbridge/contracts';
import {
  readWecomBaseConfig,
  WECOM_DEFAULT_API_BASE_URL,
  wecomApiBaseUrlField,
  wecomCallbackPlatformBase,
  wecomCallbackTokenField,
  wecomCredentialFields,
  wecomCorpIdField,
  wecomEncodingAesKeyField,
  wecomSecretField,
} from './wecom-config';

const fields = [
  wecomCorpIdField(),
  wecomSecretField({ zh: '应用 Secret', en: 'App Secret' }, { zh: '帮助', en: 'help' }),
  wecomCallbackTokenField({ zh: '帮助', en: 'help' }),
  wecomEncodingAesKeyField(),
  wecomApiBaseUrlField(),
];
const GOOD = {
  corpId: 'ww0123456789abcdef',
  secret: 'S'.repeat(43),
  token: 'Token1',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

describe('shared WeCom credential fields', () => {
  it('accept a valid configuration, secrets marked secret, token and key generatable', () => {
    expect(checkConfig(fields, GOOD)).toEqual([]);
    expect(fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['secret', 'token', 'encodingAesKey']);
    expect(fields.filter((f) => f.generate).map((f) => f.name)).toEqual(['token', 'encodingAesKey']);
    expect(wecomApiBaseUrlField()).toMatchObject({ required: false, advanced: true, default: WECOM_DEFAULT_API_BASE_URL });
  });

  it('refuse malformed values with the bilingual pattern message', () => {
    expect(checkFieldValue(wecomCorpIdField(), 'xx0123')).toEqual({ zh: 'CorpID 为 ww 开头的 18 位字符', en: 'a Corp ID is 18 characters starting with "ww"' });
    expect(checkFieldValue(fields[1]!, 'short')?.en).toBe('a Secret is 43 letters, digits, - or _');
    expect(checkFieldValue(wecomCallbackTokenField({ zh: '', en: '' }), 'x'.repeat(33))?.en).toBe('a Token is up to 32 letters or digits');
    expect(checkFieldValue(wecomEncodingAesKeyField(), 'a'.repeat(42))?.en).toBe('an EncodingAESKey is 43 letters or digits');
  });

  it('give each descriptor its own objects, with the label and help it passes', () => {
    expect(wecomCorpIdField()).not.toBe(wecomCorpIdField());
    expect(wecomSecretField({ zh: 'A', en: 'B' }, { zh: 'C', en: 'D' })).toMatchObject({ name: 'secret', label: { zh: 'A', en: 'B' }, help: { zh: 'C', en: 'D' } });
  });
});

describe('readWecomBaseConfig', () => {
  it('reads the shared fields and defaults the API base URL, without a trailing slash', () => {
    expect(readWecomBaseConfig(GOOD, 'wecom')).toEqual({ ...GOOD, apiBaseUrl: 'https://qyapi.weixin.qq.com' });
    expect(readWecomBaseConfig({ ...GOOD, apiBaseUrl: 'https://proxy.test//' }, 'wecom').apiBaseUrl).toBe('https://proxy.test');
    expect(readWecomBaseConfig({ ...GOOD, apiBaseUrl: '' }, 'wecom').apiBaseUrl).toBe(WECOM_DEFAULT_API_BASE_URL);
  });

  it('throws naming the platform and the missing field', () => {
    expect(() => readWecomBaseConfig({ ...GOOD, secret: '' }, 'wecom-kf')).toThrow('wecom-kf config field secret missing');
    expect(() => readWecomBaseConfig({ ...GOOD, token: 5 }, 'wecom')).toThrow('wecom config field token missing');
  });
});

describe('wecomCredentialFields / wecomCallbackPlatformBase', () => {
  it('list the shared fields in order, the platform\'s own right after the CorpID', () => {
    const own = { name: 'agentId', label: { zh: 'AgentId', en: 'AgentId' }, type: 'number' as const, required: true, secret: false };
    const list = wecomCredentialFields({ secretLabel: { zh: 'S', en: 'S' }, secretHelp: { zh: 'h', en: 'h' }, tokenHelp: { zh: 't', en: 't' }, afterCorpId: [own] });
    expect(list.map((f) => f.name)).toEqual(['corpId', 'agentId', 'secret', 'token', 'encodingAesKey', 'apiBaseUrl']);
    expect(list[3]?.help).toEqual({ zh: 't', en: 't' });
    expect(wecomCredentialFields({ secretLabel: { zh: 'S', en: 'S' }, secretHelp: { zh: 'h', en: 'h' }, tokenHelp: { zh: 't', en: 't' } })).toHaveLength(5);
  });

  it('declare callbacks by GET and POST, sending, a connection test and a 10-minute replay tolerance', () => {
    expect(wecomCallbackPlatformBase()).toEqual({ capabilities: ['callback', 'send', 'verify-credentials'], callbackMethods: ['GET', 'POST'], defaultReplayToleranceSeconds: 600 });
  });
});
