import { checkConfig } from '@imbridge/contracts';
import { checkAdapter } from '@imbridge/platform-core';
import { WecomAdapter } from './wecom.adapter';
import { readWecomConfig, wecomDescriptor } from './wecom.descriptor';

const VALID = {
  corpId: 'ww0123456789abcdef',
  agentId: '1000002',
  secret: 'abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

describe('WecomAdapter', () => {
  it('implements exactly the capabilities it declares', () => {
    expect(checkAdapter(new WecomAdapter())).toEqual([]);
  });
});

describe('wecomDescriptor fields', () => {
  it('accept a valid configuration', () => {
    expect(checkConfig(wecomDescriptor.fields, VALID)).toEqual([]);
    expect(checkConfig(wecomDescriptor.fields, { ...VALID, apiBaseUrl: 'https://proxy.example.com', replayToleranceSeconds: 0 })).toEqual([]);
  });

  it('refuse malformed credentials', () => {
    const problems = checkConfig(wecomDescriptor.fields, {
      corpId: 'ww0123',
      agentId: '0',
      secret: 'short',
      token: 'has space',
      encodingAesKey: `${VALID.encodingAesKey}=`,
      replayToleranceSeconds: 8 * 24 * 3600,
    });
    expect(problems.map((p) => p.field)).toEqual(['corpId', 'agentId', 'secret', 'token', 'encodingAesKey', 'replayToleranceSeconds']);
  });
});

describe('readWecomConfig', () => {
  it('reads the saved values, trimming trailing slashes of the base URL', () => {
    expect(readWecomConfig({ ...VALID, apiBaseUrl: 'https://proxy.example.com//' })).toEqual({
      ...VALID,
      agentId: 1000002,
      apiBaseUrl: 'https://proxy.example.com',
    });
  });

  it('defaults the base URL', () => {
    expect(readWecomConfig(VALID).apiBaseUrl).toBe('https://qyapi.weixin.qq.com');
  });

  it('refuses a missing secret field', () => {
    expect(() => readWecomConfig({ ...VALID, token: '' })).toThrow('wecom config field token missing');
  });
});
