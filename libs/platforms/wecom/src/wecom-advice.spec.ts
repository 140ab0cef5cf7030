import { WECOM_CALLBACK_ADVICE } from '@imbridge/platform-wecom-common';
import { WecomAdapter } from './wecom.adapter';
import { WECOM_SEND_ADVISED_ERRCODES, wecomErrorAdvice } from './wecom-advice';
import { wecomCredentialAdvice } from './wecom.credentials';

describe('WeCom app advice', () => {
  it('is the adapter\'s: the WeCom callback advice and the error advice', () => {
    const advice = new WecomAdapter().advice;
    expect(advice.callback).toBe(WECOM_CALLBACK_ADVICE);
    expect(advice.error).toBe(wecomErrorAdvice);
  });

  it('names the IP to add to 企业可信IP for a 60020', () => {
    const advice = wecomErrorAdvice({
      code: 'CONFIG',
      platformCode: '60020',
      message: 'WeCom message/send: 60020 not allow to access from your ip, hint: [x], from ip: 198.51.100.4, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
    });
    expect(advice!.zh).toBe('本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入 198.51.100.4。');
    expect(advice!.en).toContain('198.51.100.4');
  });

  it('gives the "test connection" advice for the credential and permission codes', () => {
    expect(wecomErrorAdvice({ code: 'PERMISSION', platformCode: '48001', message: 'api forbidden' })!.zh).toContain('无权限');
    expect(wecomErrorAdvice({ code: 'CONFIG', platformCode: '40001', message: 'invalid credential' })!.zh).toContain('Secret');
    for (const errcode of WECOM_SEND_ADVISED_ERRCODES) {
      expect(wecomErrorAdvice({ code: 'CONFIG', platformCode: String(errcode), message: 'x' })).toEqual(wecomCredentialAdvice(errcode, 'x'));
    }
  });

  it('has no advice of its own for other codes', () => {
    for (const platformCode of ['45002', '45009', '-1', '45015', '95018', '45047', 'DISABLED', 'INTERNAL', '60020x', '']) {
      expect({ platformCode, advice: wecomErrorAdvice({ code: 'UNKNOWN', platformCode, message: 'x' }) }).toEqual({ platformCode, advice: null });
    }
    expect(wecomErrorAdvice({ code: 'UNKNOWN', message: 'x' })).toBeNull();
  });
});
