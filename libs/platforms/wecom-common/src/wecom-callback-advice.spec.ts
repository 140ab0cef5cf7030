import { WECOM_CALLBACK_ADVICE } from './wecom-callback-advice';

describe('WECOM_CALLBACK_ADVICE', () => {
  it('explains the refusals of a WeCom callback in Chinese and English, pointing at the WeCom console', () => {
    const expectations: Record<string, RegExp> = {
      'signature-mismatch': /saved in WeCom before/,
      'decrypt-failed': /43-character EncodingAESKey/,
      'receive-id-mismatch': /CorpID/,
      'malformed-body': /WeCom callback/,
      'missing-parameters': /msg_signature/,
      'method-not-allowed': /GET \(URL verification\)/,
      'body-too-large': /64 KB/,
    };
    expect(Object.keys(WECOM_CALLBACK_ADVICE.causes).sort()).toEqual(Object.keys(expectations).sort());
    for (const [reason, en] of Object.entries(expectations)) {
      const cause = WECOM_CALLBACK_ADVICE.causes[reason as keyof typeof WECOM_CALLBACK_ADVICE.causes];
      expect({ reason, en: cause?.en }).toEqual({ reason, en: expect.stringMatching(en) });
      expect(cause?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(WECOM_CALLBACK_ADVICE.causes['signature-mismatch']?.zh).toContain('设置API接收');
  });

  it('has "never reached" advice and the setup order: save here, paste in WeCom, WeCom verifies, test message', () => {
    expect(WECOM_CALLBACK_ADVICE.neverReached?.en).toMatch(/PUBLIC_BASE_URL.*saved in WeCom/);
    expect(WECOM_CALLBACK_ADVICE.neverReached?.zh).toContain('企业微信后台');
    const order = WECOM_CALLBACK_ADVICE.setupOrder!;
    expect(order.zh).toHaveLength(4);
    expect(order.en).toHaveLength(4);
    expect(order.en[0]).toMatch(/Save the integration here first/);
    expect(order.en[1]).toMatch(/URL, Token and EncodingAESKey/);
    expect(order.en[2]).toMatch(/verifies the URL at once/);
    expect(order.en[3]).toMatch(/test message/);
  });
});
