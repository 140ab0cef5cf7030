import { Result } from 'antd';
import { useI18n } from '../../../i18n';

/** What an agent sees on an admin page (route guard, or the API answering 403). */
export function AdminOnlyResult() {
  const { t } = useI18n();
  return <Result status="403" title={t('auth.adminOnlyTitle')} subTitle={t('auth.adminOnlyText')} />;
}
