import { LockOutlined, ReloadOutlined, WechatOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Skeleton, Space, Tag, Typography } from 'antd';
import type { MpStatusView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { mpApi } from '../api/mpApi';

/** The encryption mode as an Alert: plain is a problem, compatible worth knowing, safe fine. */
function EncryptionAlert({ status }: { status: MpStatusView }) {
  const { t, pick } = useI18n();
  const warning = status.encryptionWarning ? pick(status.encryptionWarning) : undefined;
  switch (status.encryptionMode) {
    case 'plain':
      return <Alert type="error" showIcon icon={<LockOutlined />} data-testid="mp-encryption" data-mode="plain" title={t('mp.status.plainWarning')} description={warning} />;
    case 'compatible':
      return <Alert type="info" showIcon data-testid="mp-encryption" data-mode="compatible" title={t('mp.status.compatibleInfo')} description={warning} />;
    case 'safe':
      return <Alert type="success" showIcon data-testid="mp-encryption" data-mode="safe" title={t('mp.status.safeOk')} description={warning} />;
  }
}

/**
 * 「公众号状态」: how answers reach users (customer-service API, or held for the user's next message),
 * the message encryption mode, and what the account may use. The callback URL is on the generic page.
 */
export function MpStatusCard({ integrationId }: { integrationId: string }) {
  const { t, pick, lang } = useI18n();
  const status = useRequest((signal) => mpApi.status(integrationId, signal), `mp-status:${integrationId}`);
  const data = status.data;

  let body;
  if (status.loading && !data) body = <Skeleton active paragraph={{ rows: 3 }} />;
  else if (!data)
    body = (
      <Alert
        type="error"
        showIcon
        data-testid="mp-status-load-error"
        title={t('mp.status.loadFailed')}
        description={isApiError(status.error) ? status.error.localized(lang) : t('common.unexpectedError')}
      />
    );
  else {
    const passive = data.deliveryMode === 'passive';
    body = (
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Descriptions
          size="small"
          column={1}
          items={[
            {
              key: 'delivery',
              label: t('mp.status.delivery'),
              children: (
                <Space orientation="vertical" size={2}>
                  <Tag color={passive ? 'warning' : 'success'} data-testid="mp-delivery-mode" data-mode={data.deliveryMode}>
                    {t(`mp.status.delivery.${data.deliveryMode}`)}
                  </Tag>
                  <Typography.Text data-testid="mp-delivery-reason">{pick(data.deliveryReason)}</Typography.Text>
                  <Typography.Text type="secondary" className="small-text">
                    {t(passive ? 'mp.status.delivery.passiveHint' : 'mp.status.delivery.customerServiceHint')}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              key: 'encryption',
              label: t('mp.status.encryption'),
              children: <span data-testid="mp-encryption-mode">{t(`mp.status.encryption.${data.encryptionMode}`)}</span>,
            },
            {
              key: 'features',
              label: t('mp.status.features'),
              children: (
                <Space wrap size={4}>
                  <Tag color={data.canUseMenu ? 'blue' : 'default'} data-testid="mp-can-menu">
                    {t(data.canUseMenu ? 'mp.status.menu.on' : 'mp.status.menu.off')}
                  </Tag>
                  <Tag color={data.canUseQrCodes ? 'blue' : 'default'} data-testid="mp-can-qr">
                    {t(data.canUseQrCodes ? 'mp.status.qr.on' : 'mp.status.qr.off')}
                  </Tag>
                </Space>
              ),
            },
          ]}
        />
        <EncryptionAlert status={data} />
      </Space>
    );
  }

  return (
    <Card
      data-testid="mp-status-card"
      title={
        <span className="card-title">
          <WechatOutlined /> {t('mp.status.title')}
        </span>
      }
      extra={
        <Button size="small" icon={<ReloadOutlined />} loading={status.loading && !!data} onClick={status.reload} data-testid="mp-status-reload">
          {t('mp.status.reload')}
        </Button>
      }
    >
      {body}
    </Card>
  );
}
