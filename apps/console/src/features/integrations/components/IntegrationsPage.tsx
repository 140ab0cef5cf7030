import { useMemo, useState } from 'react';
import { DeleteOutlined, EditOutlined, PlusOutlined, WarningOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Popconfirm, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { Link, useNavigate } from 'react-router-dom';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../api/integrationsApi';
import { useIntegrations } from '../hooks/useIntegrations';
import { usePlatforms } from '../hooks/usePlatforms';
import { LoadError } from './LoadError';
import { PageHeader } from './PageHeader';
import { VerificationFilesCard } from './VerificationFilesCard';

export function IntegrationsPage() {
  const { t, pick, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const integrations = useIntegrations();
  const platforms = usePlatforms();
  const [deleting, setDeleting] = useState<string | null>(null);

  const platformNames = useMemo(
    () => new Map((platforms.data ?? []).map((p) => [p.id, pick(p.name)] as const)),
    [platforms.data, pick],
  );

  const onDelete = async (record: IntegrationView) => {
    setDeleting(record.id);
    try {
      await integrationsApi.remove(record.id);
      integrations.setData((current) => current?.filter((i) => i.id !== record.id));
      message.success(t('integrations.deleted'));
    } catch (error) {
      message.error(isApiError(error) ? `${t('integrations.deleteFailed')}: ${error.localized(lang)}` : t('integrations.deleteFailed'));
    } finally {
      setDeleting(null);
    }
  };

  const columns: TableColumnsType<IntegrationView> = [
    {
      title: t('integrations.col.name'),
      dataIndex: 'name',
      key: 'name',
      render: (name: string, record) => (
        <Link to={`/integrations/${encodeURIComponent(record.id)}`} className="table-name-link">
          {name}
        </Link>
      ),
    },
    {
      title: t('integrations.col.platform'),
      dataIndex: 'platform',
      key: 'platform',
      render: (platform: string) => platformNames.get(platform as IntegrationView['platform']) ?? platform,
    },
    {
      title: t('integrations.col.status'),
      dataIndex: 'enabled',
      key: 'enabled',
      width: 100,
      render: (enabled: boolean) =>
        enabled ? <Tag color="success">{t('integrations.enabled')}</Tag> : <Tag>{t('integrations.disabled')}</Tag>,
    },
    {
      title: t('integrations.col.callbackUrl'),
      dataIndex: 'callbackUrl',
      key: 'callbackUrl',
      render: (url: string) => (
        <Typography.Text
          className="table-callback-url"
          copyable={{ text: url, tooltips: [t('common.copy'), t('common.copied')] }}
          ellipsis={{ tooltip: url }}
        >
          {url}
        </Typography.Text>
      ),
    },
    {
      title: t('integrations.col.lastError'),
      dataIndex: 'lastError',
      key: 'lastError',
      render: (lastError: IntegrationView['lastError']) =>
        lastError ? (
          <Tooltip title={`${lastError.message} · ${formatDateTime(lastError.at)}`}>
            <Tag color="error" icon={<WarningOutlined />} className="table-error-tag">
              {lastError.code}
              <span className="table-error-tag__text">{lastError.message}</span>
            </Tag>
          </Tooltip>
        ) : (
          <Typography.Text type="secondary">{t('common.none')}</Typography.Text>
        ),
    },
    {
      title: t('integrations.col.updatedAt'),
      dataIndex: 'updatedAt',
      key: 'updatedAt',
      width: 170,
      render: (updatedAt: string) => <span className="nowrap">{formatDateTime(updatedAt)}</span>,
    },
    {
      title: t('integrations.col.actions'),
      key: 'actions',
      width: 150,
      render: (_value, record) => (
        <Space size={0}>
          <Button type="link" size="small" icon={<EditOutlined />} onClick={() => navigate(`/integrations/${encodeURIComponent(record.id)}`)}>
            {t('common.edit')}
          </Button>
          <Popconfirm
            title={t('integrations.deleteConfirmTitle', { name: record.name })}
            description={<div className="popconfirm-text">{t('integrations.deleteConfirmText')}</div>}
            okText={t('common.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => onDelete(record)}
          >
            <Button type="link" size="small" danger icon={<DeleteOutlined />} loading={deleting === record.id}>
              {t('common.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  const newButton = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/integrations/new')}>
      {t('integrations.new')}
    </Button>
  );

  return (
    <div className="page">
      <PageHeader title={t('integrations.title')} subTitle={t('integrations.subtitle')} extra={newButton} />
      {integrations.error ? (
        <LoadError error={integrations.error} onRetry={integrations.reload} />
      ) : (
        <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
          <Table<IntegrationView>
            rowKey="id"
            columns={columns}
            dataSource={integrations.data ?? []}
            loading={integrations.loading}
            pagination={(integrations.data?.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            scroll={{ x: 960 }}
            locale={{
              emptyText: integrations.loading ? (
                <div style={{ height: 160 }} />
              ) : (
                <Empty description={t('integrations.empty')} style={{ padding: '32px 0' }}>
                  <Typography.Paragraph type="secondary">{t('integrations.emptyHint')}</Typography.Paragraph>
                  {newButton}
                </Empty>
              ),
            }}
          />
        </Card>
      )}
      <div style={{ marginTop: 24 }}>
        <VerificationFilesCard />
      </div>
    </div>
  );
}
