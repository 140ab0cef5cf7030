import { checkAdapter, WECOM_KF_REPLY_WINDOW } from '@imbridge/platform-core';
import { WecomKfAdapter } from './wecom-kf.adapter';
import { readWecomKfConfig, wecomKfDescriptor } from './wecom-kf.descriptor';

describe('wecom-kf descriptor and adapter', () => {
  it('declares exactly what it implements', () => {
    expect(checkAdapter(new WecomKfAdapter())).toEqual([]);
  });

  it('has the kf reply window, bilingual fields and secrets marked', () => {
    expect(wecomKfDescriptor.id).toBe('wecom-kf');
    expect(wecomKfDescriptor.replyWindow).toBe(WECOM_KF_REPLY_WINDOW);
    expect(wecomKfDescriptor.fields.map((f) => [f.name, f.secret])).toEqual([
      ['corpId', false],
      ['secret', true],
      ['token', true],
      ['encodingAesKey', true],
      ['apiBaseUrl', false],
      ['historyOnSetup', false],
    ]);
    for (const f of wecomKfDescriptor.fields) {
      expect(f.label.zh && f.label.en).toBeTruthy();
      if (f.pattern) expect(() => new RegExp(`^(?:${f.pattern})$`)).not.toThrow();
    }
  });

  it('field patterns accept real values and refuse wrong ones', () => {
    const re = (name: string): RegExp => new RegExp(`^(?:${wecomKfDescriptor.fields.find((f) => f.name === name)?.pattern ?? ''})$`);
    expect(re('corpId').test('ww0123456789abcdef')).toBe(true);
    expect(re('corpId').test('ww012')).toBe(false);
    expect(re('encodingAesKey').test('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C')).toBe(true);
    expect(re('secret').test('short')).toBe(false);
  });

  it('reads config with the default API base and no trailing slash', () => {
    const cfg = readWecomKfConfig({ corpId: 'ww0123456789abcdef', secret: 's', token: 't', encodingAesKey: 'k' });
    expect(cfg.apiBaseUrl).toBe('https://qyapi.weixin.qq.com');
    expect(readWecomKfConfig({ ...cfg, apiBaseUrl: 'https://proxy.example/' }).apiBaseUrl).toBe('https://proxy.example');
    expect(() => readWecomKfConfig({ corpId: 'x' })).toThrow(/secret/);
  });
});
