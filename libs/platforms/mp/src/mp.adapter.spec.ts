import { checkConfig } from '@imbridge/contracts';
import { checkAdapter, MP_CUSTOMER_SERVICE_REPLY_WINDOW } from '@imbridge/platform-core';
import { MpAdapter } from './mp.adapter';
import { checkMpConfig, MP_DEFAULT_PARKING_TEXT, mpCanUseCustomerService, mpDeliveryMode, mpDescriptor, readMpConfig } from './mp.descriptor';

const VALID = {
  appId: 'wx0123456789abcdef',
  appSecret: '0123456789abcdef0123456789abcdef',
  token: 'mpToken123',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  encryptionMode: 'safe',
  accountType: 'service',
  verified: true,
};

describe('MpAdapter', () => {
  it('implements exactly the capabilities it declares', () => {
    expect(checkAdapter(new MpAdapter())).toEqual([]);
  });

  it('uses the MP customer-service reply window', () => {
    expect(mpDescriptor.replyWindow).toBe(MP_CUSTOMER_SERVICE_REPLY_WINDOW);
    expect(mpDescriptor.id).toBe('mp');
  });
});

describe('mpDescriptor fields', () => {
  it('accept a valid configuration', () => {
    expect(checkConfig(mpDescriptor.fields, VALID)).toEqual([]);
    expect(checkConfig(mpDescriptor.fields, { ...VALID, apiBaseUrl: 'https://proxy.example.com', replayToleranceSeconds: 0 })).toEqual([]);
  });

  it('refuse malformed values', () => {
    const problems = checkConfig(mpDescriptor.fields, {
      appId: 'wx0123',
      appSecret: 'short',
      token: 'ab',
      encodingAesKey: `${VALID.encodingAesKey}=`,
      encryptionMode: 'aes',
      accountType: 'enterprise',
      verified: 'yes',
    });
    expect(problems.map((p) => p.field)).toEqual(['appId', 'appSecret', 'token', 'encodingAesKey', 'encryptionMode', 'accountType', 'verified']);
  });

  it('default to safe mode and offer generators for Token and EncodingAESKey', () => {
    const field = (name: string) => mpDescriptor.fields.find((f) => f.name === name);
    expect(field('encryptionMode')?.default).toBe('safe');
    expect(field('token')).toMatchObject({ secret: true, generate: 'token' });
    expect(field('encodingAesKey')).toMatchObject({ secret: true, generate: 'encodingAesKey', required: false });
    expect(field('appSecret')?.secret).toBe(true);
    expect(field('apiBaseUrl')).toMatchObject({ default: 'https://api.weixin.qq.com', advanced: true });
  });

  it('say that plain mode is insecure and recommend safe mode', () => {
    const mode = mpDescriptor.fields.find((f) => f.name === 'encryptionMode');
    expect(mode?.help?.zh).toMatch(/明文模式不安全.*建议使用安全模式/);
    expect(mode?.help?.en).toMatch(/Plain mode is insecure.*not signed.*safe mode is recommended/);
    expect(mode?.options?.find((o) => o.value === 'plain')?.label.en).toContain('insecure');
  });
});

describe('checkMpConfig / readMpConfig', () => {
  it('require the EncodingAESKey unless in plain mode', () => {
    const { encodingAesKey: _key, ...withoutKey } = VALID;
    expect(checkMpConfig(withoutKey).map((p) => p.field)).toEqual(['encodingAesKey']);
    expect(checkMpConfig({ ...withoutKey, encryptionMode: 'compatible' })).toHaveLength(1);
    expect(checkMpConfig({ ...withoutKey, encryptionMode: 'plain' })).toEqual([]);
    expect(() => readMpConfig(withoutKey)).toThrow('encodingAesKey missing');
    expect(readMpConfig({ ...withoutKey, encryptionMode: 'plain' }).encodingAesKey).toBeUndefined();
  });

  it('read the saved values with defaults, trimming trailing slashes', () => {
    expect(readMpConfig({ ...VALID, apiBaseUrl: 'https://proxy.example.com//' })).toEqual({
      ...VALID,
      apiBaseUrl: 'https://proxy.example.com',
      replyMode: 'auto',
      welcomeText: null,
      parkingText: MP_DEFAULT_PARKING_TEXT,
      passiveBudgetMs: 4500,
      pageBytes: 2000,
      window: { messageCount: 5, messageHours: 48, eventCount: 3, eventMinutes: 1 },
    });
    expect(readMpConfig({ ...VALID, passiveBudgetMs: 6000, windowEventCount: 2, welcomeText: '  ' })).toMatchObject({ passiveBudgetMs: 4500, welcomeText: null, window: { eventCount: 2 } });
    const { encryptionMode: _m, verified: _v, ...minimal } = VALID;
    expect(readMpConfig(minimal)).toMatchObject({ encryptionMode: 'safe', verified: false, apiBaseUrl: 'https://api.weixin.qq.com' });
    expect(() => readMpConfig({ ...VALID, encryptionMode: 'aes' })).toThrow('encryptionMode invalid');
  });

  it('service or verified accounts use the customer-service API; unverified subscription accounts reply passively', () => {
    expect(mpCanUseCustomerService(readMpConfig(VALID))).toBe(true);
    expect(mpCanUseCustomerService(readMpConfig({ ...VALID, verified: false }))).toBe(true);
    expect(mpCanUseCustomerService(readMpConfig({ ...VALID, accountType: 'subscription' }))).toBe(true);
    expect(mpCanUseCustomerService(readMpConfig({ ...VALID, accountType: 'subscription', verified: false }))).toBe(false);
    expect(mpDeliveryMode(readMpConfig({ ...VALID, accountType: 'subscription', verified: false }))).toBe('passive');
    expect(mpDeliveryMode(readMpConfig({ ...VALID, replyMode: 'passive' }))).toBe('passive');
    expect(mpDeliveryMode(readMpConfig({ ...VALID, accountType: 'subscription', verified: false, replyMode: 'customer-service' }))).toBe('customer-service');
  });
});
