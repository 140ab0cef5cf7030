import { CustomerServiceOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Skeleton, Space, Typography } from 'antd';
import type { KfAccountsResponse } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { kfApi } from '../api/kfApi';
import { KfAccountPanel } from './KfAccountPanel';

/**
 * 「微信客服账号」 on the edit page of a saved wecom-kf integration: the platform's accounts merged with
 * our settings. A platform failure is shown above the stored accounts (the API still answers 200).
 */
export function KfAccountsCard({ integrationId }: { integrationId: string }) {
  const { t, lang } = useI18n();
  const accounts = useRequest((signal) => kfApi.accounts(integrationId, signal), `kf-accounts:${integrationId}`);
  const data: KfAccountsResponse | undefined = accounts.data;

  let body;
  if (accounts.loading && !data) body = <Skeleton active paragraph={{ rows: 6 }} />;
  else if (!data)
    body = (
      <Alert
        type="error"
        showIcon
        data-testid="kf-load-error"
        title={t('kf.loadFailed')}
        description={isApiError(accounts.error) ? accounts.error.localized(lang) : t('common.unexpectedError')}
      />
    );
  else {
    const platformError = data.platformError;
    body = (
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {platformError && (
          <Alert
            type="warning"
            showIcon
            data-testid="kf-platform-error"
            title={t('kf.platformError', { code: [platformError.code, platformError.platformCode].filter(Boolean).join(' / ') })}
            description={lang === 'zh' && platformError.messageZh ? platformError.messageZh : platformError.message}
          />
        )}
        {data.accounts.length === 0 ? (
          <Empty
            data-testid="kf-empty"
            image={Empty.PRESENTED_IMAGE_SIMPLE}
            description={
              <Space orientation="vertical" size={4}>
                <Typography.Text strong>{t('kf.empty.title')}</Typography.Text>
                <Typography.Text type="secondary">{t('kf.empty.text')}</Typography.Text>
              </Space>
            }
          />
        ) : (
          data.accounts.map((account) => (
            <KfAccountPanel
              key={account.openKfId}
              integrationId={integrationId}
              account={account}
              onSaved={(saved) => accounts.setData((current) => (current ? { ...current, accounts: current.accounts.map((a) => (a.openKfId === saved.openKfId ? saved : a)) } : current))}
            />
          ))
        )}
      </Space>
    );
  }

  return (
    <Card
      data-testid="kf-accounts-card"
      title={
        <span className="card-title">
          <CustomerServiceOutlined /> {t('kf.title')}
        </span>
      }
      extra={
        <Button size="small" icon={<ReloadOutlined />} loading={accounts.loading && !!data} onClick={accounts.reload} data-testid="kf-reload">
          {t('kf.reload')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('kf.hint')}</Typography.Paragraph>
      {body}
    </Card>
  );
}
