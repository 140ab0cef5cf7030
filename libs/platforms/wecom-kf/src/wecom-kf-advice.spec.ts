import { WECOM_CALLBACK_ADVICE } from '@imbridge/platform-wecom-common';
import { WecomKfAdapter } from './wecom-kf.adapter';
import { wecomKfErrorAdvice } from './wecom-kf-advice';

describe('微信客服 advice', () => {
  it("is the adapter's: the WeCom callback advice (same console) and the 微信客服 error advice", () => {
    const advice = new WecomKfAdapter().advice;
    expect(advice.callback).toBe(WECOM_CALLBACK_ADVICE);
    expect(advice.error).toBe(wecomKfErrorAdvice);
  });

  it('explains the reply-window codes', () => {
    for (const platformCode of ['45015', '95018']) {
      const advice = wecomKfErrorAdvice({ code: 'WINDOW_CLOSED', platformCode, message: 'x' });
      expect(advice!.zh).toContain('48 小时');
      expect(advice!.en).toContain('48 hours');
    }
  });

  it('explains the session refusals an administrator can act on', () => {
    expect(wecomKfErrorAdvice({ code: 'PERMISSION', platformCode: '95014', message: 'x' })!.zh).toContain('接待状态');
    expect(wecomKfErrorAdvice({ code: 'PERMISSION', platformCode: '95016', message: 'x' })!.en).toContain('session state change');
    expect(wecomKfErrorAdvice({ code: 'CONFIG', platformCode: '95017', message: 'x' })!.en).toContain('WeChat Customer Service → API');
    expect(wecomKfErrorAdvice({ code: 'PERMISSION', platformCode: '95011', message: 'x' })!.zh).toContain('接管');
  });

  it('has no advice of its own for other codes', () => {
    for (const platformCode of ['40001', '60020', '48001', '45047', '95001', 'PASSIVE_TEXT_ONLY', 'DISABLED', 'constructor', '']) {
      expect({ platformCode, advice: wecomKfErrorAdvice({ code: 'UNKNOWN', platformCode, message: 'x' }) }).toEqual({ platformCode, advice: null });
    }
    expect(wecomKfErrorAdvice({ code: 'UNKNOWN', message: 'x' })).toBeNull();
  });
});
