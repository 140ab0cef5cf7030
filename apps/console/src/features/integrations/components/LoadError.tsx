import { Button, Result } from 'antd';
import { isApiError, NETWORK_ERROR_CODE } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { AdminOnlyResult } from '../../auth/components/AdminOnlyResult';

/** A failed load: "admins only" for 403, otherwise the server's message with a retry button. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, lang } = useI18n();
  if (isApiError(error) && error.status === 403) return <AdminOnlyResult />;
  if (isApiError(error) && error.status === 404) return <Result status="404" title="404" subTitle={error.localized(lang)} />;
  const detail = isApiError(error)
    ? error.code === NETWORK_ERROR_CODE
      ? t('common.networkError')
      : error.localized(lang)
    : t('common.unexpectedError');
  return (
    <Result
      status="error"
      title={t('common.loadFailed')}
      subTitle={detail}
      extra={onRetry ? <Button onClick={onRetry}>{t('common.retry')}</Button> : undefined}
    />
  );
}
