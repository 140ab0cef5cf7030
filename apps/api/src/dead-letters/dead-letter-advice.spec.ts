import { deadLetterAdvice } from './dead-letter-advice';

describe('deadLetterAdvice', () => {
  it('names the IP to add to 企业可信IP for a WeCom 60020', () => {
    const advice = deadLetterAdvice('wecom', {
      code: 'CONFIG',
      platformCode: '60020',
      message: 'WeCom message/send: 60020 not allow to access from your ip, hint: [x], from ip: 198.51.100.4, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
    });
    expect(advice!.zh).toBe('本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入 198.51.100.4。');
    expect(advice!.en).toContain('198.51.100.4');
  });

  it('explains permission and credential codes of WeCom', () => {
    expect(deadLetterAdvice('wecom', { code: 'PERMISSION', platformCode: '48001', message: 'api forbidden' })!.zh).toContain('无权限');
    expect(deadLetterAdvice('wecom', { code: 'CONFIG', platformCode: '40001', message: 'invalid credential' })!.zh).toContain('Secret');
  });

  it('explains the reply-window codes of 微信客服 and 公众号', () => {
    for (const platformCode of ['45015', '95018']) {
      const advice = deadLetterAdvice('wecom-kf', { code: 'WINDOW_CLOSED', platformCode, message: 'x' });
      expect(advice!.zh).toContain('48 小时');
      expect(advice!.en).toContain('48 hours');
    }
  });

  it('explains our own sender codes, then falls back on the normalized code', () => {
    expect(deadLetterAdvice('wecom', { code: 'CONFIG', platformCode: 'DISABLED', message: 'integration disabled' })!.zh).toContain('停用');
    expect(deadLetterAdvice('wecom', { code: 'INVALID', platformCode: '45002', message: 'content too long' })!.en).toContain('invalid');
    expect(deadLetterAdvice(null, { code: 'TEMPORARY', platformCode: 'INTERNAL', message: 'boom' })!.zh).toContain('重试');
    expect(deadLetterAdvice('wecom', { code: 'UNKNOWN', message: 'x' })).not.toBeNull();
  });

  it('gives nothing without an error or for an unheard-of code', () => {
    expect(deadLetterAdvice('wecom', null)).toBeNull();
    expect(deadLetterAdvice('wecom', { code: 'NEW_CODE', message: 'x' })).toBeNull();
  });
});

describe('公众号 dead letters', () => {
  it('name the IP for the whitelist, explain passive-only accounts and the missing API permission', () => {
    const ip = deadLetterAdvice('mp', { code: 'CONFIG', message: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1', platformCode: '40164' });
    expect(ip?.zh).toContain('203.0.113.7');
    expect(ip?.en).toContain('IP whitelist');
    expect(deadLetterAdvice('mp', { code: 'INVALID', message: 'x', platformCode: 'PASSIVE_TEXT_ONLY' })?.zh).toContain('只能被动回复');
    expect(deadLetterAdvice('mp', { code: 'PERMISSION', message: 'api unauthorized', platformCode: '48001' })?.en).toContain('Passive reply only');
  });
});
