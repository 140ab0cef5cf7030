export { I18nProvider } from './I18nProvider';
export { LanguageSwitch } from './LanguageSwitch';
export { useI18n } from './useI18n';
export { detectLang, LANG_STORAGE_KEY, pickText, translate, type Lang } from './language';
export type { MessageKey } from './zh';
