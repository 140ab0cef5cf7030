import { MP_CALLBACK_ADVICE } from './mp-callback-advice';
import { mpErrorAdvice } from './mp-error-advice';
import { mpCredentialAdvice } from './mp-error.mapper';
import { MpAdapter } from './mp.adapter';

describe('公众号 advice', () => {
  it("is the adapter's", () => {
    const advice = new MpAdapter().advice;
    expect(advice.callback).toBe(MP_CALLBACK_ADVICE);
    expect(advice.error).toBe(mpErrorAdvice);
  });

  it('overrides the refusals whose fix lies in the MP console, in Chinese and English', () => {
    const expectations: Record<string, RegExp> = {
      'signature-mismatch': /Server Configuration in the MP console/,
      'decrypt-failed': /EncodingAESKey/,
      'receive-id-mismatch': /AppID/,
      'malformed-body': /encryption mode/,
      'missing-parameters': /msg_signature in safe mode/,
      'method-not-allowed': /server configuration check/,
      'body-too-large': /Official Account callbacks/,
    };
    expect(Object.keys(MP_CALLBACK_ADVICE.causes).sort()).toEqual(Object.keys(expectations).sort());
    for (const [reason, en] of Object.entries(expectations)) {
      const cause = MP_CALLBACK_ADVICE.causes[reason as keyof typeof MP_CALLBACK_ADVICE.causes];
      expect({ reason, en: cause?.en }).toEqual({ reason, en: expect.stringMatching(en) });
      expect(cause?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(MP_CALLBACK_ADVICE.causes['signature-mismatch']?.zh).toContain('服务器配置');
    expect(JSON.stringify(MP_CALLBACK_ADVICE)).not.toContain('WeCom');
  });

  it('has "never reached" advice and the setup order, with the IP whitelist', () => {
    expect(MP_CALLBACK_ADVICE.neverReached?.en).toMatch(/port 80 or 443/);
    expect(MP_CALLBACK_ADVICE.setupOrder?.zh).toHaveLength(5);
    expect(MP_CALLBACK_ADVICE.setupOrder?.en).toHaveLength(5);
    expect(MP_CALLBACK_ADVICE.setupOrder?.zh.join('')).toContain('IP白名单');
  });

  it('names the IP for the whitelist and gives the connection test advice for credential codes', () => {
    const ip = mpErrorAdvice({ code: 'CONFIG', message: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1', platformCode: '40164' });
    expect(ip?.zh).toContain('203.0.113.7');
    expect(ip?.en).toContain('IP whitelist');
    for (const errcode of [40164, 61004, 40013, 40125, 45009]) {
      expect(mpErrorAdvice({ code: 'CONFIG', platformCode: String(errcode), message: 'x' })).toEqual(mpCredentialAdvice(errcode, 'x'));
    }
  });

  it('explains passive-only accounts, the missing API permission, the reply window and its count', () => {
    expect(mpErrorAdvice({ code: 'INVALID', message: 'x', platformCode: 'PASSIVE_TEXT_ONLY' })?.zh).toContain('只能被动回复');
    expect(mpErrorAdvice({ code: 'PERMISSION', message: 'api unauthorized', platformCode: '48001' })?.en).toContain('Passive reply only');
    expect(mpErrorAdvice({ code: 'WINDOW_CLOSED', message: 'x', platformCode: '45015' })?.zh).toContain('48 小时');
    expect(mpErrorAdvice({ code: 'WINDOW_CLOSED', message: 'x', platformCode: '45047' })?.en).toContain('Too many customer-service messages');
  });

  it('has no advice of its own for other codes', () => {
    for (const platformCode of ['40001', '60020', '95018', '95014', '45002', 'DISABLED', 'constructor', '']) {
      expect({ platformCode, advice: mpErrorAdvice({ code: 'UNKNOWN', platformCode, message: 'x' }) }).toEqual({ platformCode, advice: null });
    }
    expect(mpErrorAdvice({ code: 'UNKNOWN', message: 'x' })).toBeNull();
  });
});
