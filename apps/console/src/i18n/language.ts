import type { I18nText } from '@imbridge/contracts';
import { en } from './en';
import { zh, type MessageKey } from './zh';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const LANG_STORAGE_KEY = 'imbridge.console.lang';

export const dictionaries: Record<Lang, Record<MessageKey, string>> = { zh, en };

export function isLang(value: unknown): value is Lang {
  return value === 'zh' || value === 'en';
}

/** Remembered choice first, then the browser language: zh for any zh-*, otherwise English. */
export function detectLang(): Lang {
  try {
    const stored = window.localStorage.getItem(LANG_STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // Storage can be blocked (privacy mode); fall through to the browser language.
  }
  const nav = typeof navigator !== 'undefined' ? navigator.language : '';
  return nav.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function storeLang(lang: Lang): void {
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not remembered, but the switch still works for this page.
  }
}

export type TranslateVars = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, vars?: TranslateVars): string {
  const template = dictionaries[lang][key] ?? zh[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** Picks the current language out of a bilingual text from the API or contracts. */
export function pickText(lang: Lang, text: I18nText | null | undefined): string {
  if (!text) return '';
  return (lang === 'zh' ? text.zh : text.en) || text.zh || text.en;
}
