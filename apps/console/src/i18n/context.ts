import { createContext } from 'react';
import type { I18nText } from '@imbridge/contracts';
import type { MessageKey } from './zh';
import type { Lang, TranslateVars } from './language';

export interface I18nContextValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  /** Text of a dictionary key in the current language, with `{name}` placeholders filled in. */
  t: (key: MessageKey, vars?: TranslateVars) => string;
  /** The current language's half of a bilingual text. */
  pick: (text: I18nText | null | undefined) => string;
  /** A date-time in the current language's format. */
  formatDateTime: (iso: string | null | undefined) => string;
}

export const I18nContext = createContext<I18nContextValue | null>(null);
