import { Segmented } from 'antd';
import { useI18n } from './useI18n';
import type { Lang } from './language';

/** 中文 / English toggle; the choice is remembered in localStorage. */
export function LanguageSwitch({ size = 'middle' }: { size?: 'small' | 'middle' | 'large' }) {
  const { lang, setLang, t } = useI18n();
  return (
    <Segmented<Lang>
      size={size}
      aria-label={t('lang.label')}
      value={lang}
      onChange={(value) => setLang(value)}
      options={[
        { value: 'zh', label: t('lang.zh') },
        { value: 'en', label: t('lang.en') },
      ]}
    />
  );
}
