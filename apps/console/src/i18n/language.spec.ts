import { describe, expect, it, vi } from 'vitest';
import { en } from './en';
import { detectLang, LANG_STORAGE_KEY, translate } from './language';
import { zh } from './zh';

describe('language', () => {
  it('defaults to Chinese for any zh-* browser language and English otherwise', () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('zh-TW');
    expect(detectLang()).toBe('zh');
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('en-GB');
    expect(detectLang()).toBe('en');
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('ja-JP');
    expect(detectLang()).toBe('en');
  });

  it('prefers the remembered choice', () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('en-US');
    window.localStorage.setItem(LANG_STORAGE_KEY, 'zh');
    expect(detectLang()).toBe('zh');
  });

  it('fills placeholders', () => {
    expect(translate('zh', 'edit.secretSet', { mask: '••••1234' })).toBe('已设置 ••••1234');
    expect(translate('en', 'integrations.deleteConfirmTitle', { name: 'A' })).toBe('Delete integration “A”?');
  });

  it('has every key in both dictionaries', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const value of Object.values(en)) expect(value).not.toBe('');
  });
});
