import { SideCard } from '../../layout/components/SideCard';
import { useState } from 'react';
import { ApiOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Tag, Typography } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { integrationsApi, type ConnectionTestResult } from '../api/integrationsApi';

/** The "Test connection" button: fetches a token with the saved credentials and shows the platform's advice. */
export function ConnectionCard({ integration }: { integration: IntegrationView }) {
  const { t, pick, lang, formatDateTime } = useI18n();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setTesting(true);
    setError(null);
    try {
      setResult(await integrationsApi.testConnection(integration.id));
    } catch (err) {
      setResult(null);
      setError(isApiError(err) ? err.localized(lang) : t('common.unexpectedError'));
    } finally {
      setTesting(false);
    }
  };

  const hasCode = result?.platformCode !== undefined && result.platformCode !== null && result.platformCode !== '';

  return (
    <SideCard
      icon={<ApiOutlined />}
      title={t('conn.title')}
      extra={
        <Button type="primary" ghost size="small" loading={testing} onClick={() => void run()} data-testid="test-connection">
          {t('conn.test')}
        </Button>
      }
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {!result && !error && <Typography.Text type="secondary">{t('conn.hint')}</Typography.Text>}
        {error && <Alert type="error" showIcon title={t('conn.requestFailed')} description={error} />}
        {result && (
          <Alert
            type={result.ok ? 'success' : 'error'}
            showIcon
            data-testid="connection-result"
            title={
              <span>
                {result.ok ? t('conn.ok') : t('conn.failed')}
                {hasCode && (
                  <>
                    {' '}
                    <Tag color={result.ok ? 'success' : 'error'}>
                      {t('conn.platformCode')} {String(result.platformCode)}
                    </Tag>
                  </>
                )}
              </span>
            }
            description={
              <Space orientation="vertical" size={2}>
                {result.advice && <span className="advice">{pick(result.advice)}</span>}
                {result.message && (
                  <Typography.Text type="secondary" className="small-text break-all">
                    {t('conn.platformMessage')}
                    {result.message}
                  </Typography.Text>
                )}
                <Typography.Text type="secondary" className="small-text">
                  {t('conn.checkedAt', { time: formatDateTime(result.checkedAt) })}
                </Typography.Text>
              </Space>
            }
          />
        )}
      </Space>
    </SideCard>
  );
}
