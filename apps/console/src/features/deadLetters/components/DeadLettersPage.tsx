import { useMemo, useState } from 'react';
import { RedoOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import type { DeadLetterView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../../integrations/api/integrationsApi';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { deadLettersApi } from '../api/deadLettersApi';

const PAGE_SIZE = 20;

/** /dead-letters — outbound messages the sender gave up on, with reason and advice; admins re-drive them. */
export function DeadLettersPage() {
  const { t, lang, pick, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const [integrationId, setIntegrationId] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState<string | null>(null);
  const letters = useRequest(
    (signal) => deadLettersApi.list({ integrationId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, signal),
    `dead-letters:${integrationId ?? ''}:${page}`,
  );
  const integrations = useRequest((signal) => integrationsApi.list(signal), 'integrations');
  const integrationName = useMemo(
    () => (integrationId ? (integrations.data ?? []).find((i) => i.id === integrationId)?.name ?? '' : ''),
    [integrationId, integrations.data],
  );

  const failure = (error: unknown) => message.error(isApiError(error) ? `${t('deadLetters.retryFailed')}: ${error.localized(lang)}` : t('deadLetters.retryFailed'));

  const retry = async (item: DeadLetterView) => {
    setBusy(item.messageId);
    try {
      await deadLettersApi.retry(item.messageId);
      message.success(t('deadLetters.retried'));
      letters.reload();
    } catch (error) {
      failure(error);
    } finally {
      setBusy(null);
    }
  };

  const retryAll = async () => {
    setBusy('all');
    try {
      const { retried } = await deadLettersApi.retryAll(integrationId);
      message.success(t('deadLetters.retriedAll', { count: retried }));
      setPage(1);
      letters.reload();
    } catch (error) {
      failure(error);
    } finally {
      setBusy(null);
    }
  };

  const total = letters.data?.total ?? 0;

  const columns: TableColumnsType<DeadLetterView> = [
    { title: t('deadLetters.col.time'), dataIndex: 'failedAt', key: 'failedAt', width: 170, render: (iso: string) => formatDateTime(iso) },
    { title: t('deadLetters.col.integration'), dataIndex: 'integrationName', key: 'integration', width: 160 },
    {
      title: t('deadLetters.col.contact'),
      key: 'contact',
      width: 140,
      render: (_: unknown, r) => (
        <span>
          {r.contact.displayName ? <div>{r.contact.displayName}</div> : null}
          <Typography.Text type="secondary" code>
            {r.contact.externalId}
          </Typography.Text>
        </span>
      ),
    },
    {
      title: t('deadLetters.col.text'),
      key: 'text',
      render: (_: unknown, r) => (
        // Chat content is untrusted: plain text only.
        <Typography.Paragraph className="dead-letter-text" ellipsis={{ rows: 3, expandable: true }} style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>
          {r.text ?? t('deadLetters.nonText', { type: r.type })}
        </Typography.Paragraph>
      ),
    },
    {
      title: t('deadLetters.col.error'),
      key: 'error',
      width: 220,
      render: (_: unknown, r) =>
        r.error ? (
          <Space orientation="vertical" size={2}>
            <Space size={4} wrap>
              <Tag color="red">{r.error.code}</Tag>
              {r.error.platformCode ? <Tag data-testid="dead-letter-platform-code">{r.error.platformCode}</Tag> : null}
            </Space>
            <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-word' }}>
              {r.error.message}
            </Typography.Text>
          </Space>
        ) : (
          t('common.none')
        ),
    },
    {
      title: t('deadLetters.col.advice'),
      key: 'advice',
      width: 260,
      render: (_: unknown, r) => (r.advice ? <Typography.Text data-testid="dead-letter-advice">{pick(r.advice)}</Typography.Text> : t('common.none')),
    },
    { title: t('deadLetters.col.attempts'), dataIndex: 'attempts', key: 'attempts', width: 90, align: 'right' },
    {
      title: t('deadLetters.col.actions'),
      key: 'actions',
      width: 120,
      render: (_: unknown, r) => (
        <Popconfirm title={t('deadLetters.retryConfirm')} okText={t('deadLetters.retry')} cancelText={t('common.cancel')} onConfirm={() => retry(r)}>
          <Button size="small" icon={<RedoOutlined />} loading={busy === r.messageId} disabled={busy === 'all'} data-testid="dead-letter-retry">
            {t('deadLetters.retry')}
          </Button>
        </Popconfirm>
      ),
    },
  ];

  const confirmAll = integrationId
    ? t('deadLetters.retryAllConfirmIntegration', { count: total, name: integrationName })
    : t('deadLetters.retryAllConfirm', { count: total });

  return (
    <div data-testid="dead-letters-page">
      <PageHeader
        title={t('deadLetters.title')}
        subTitle={t('deadLetters.subtitle')}
        extra={
          <Space wrap>
            <Select
              aria-label={t('deadLetters.filter.integration')}
              data-testid="dead-letters-filter"
              style={{ minWidth: 200 }}
              value={integrationId ?? ''}
              onChange={(v: string) => {
                setIntegrationId(v === '' ? undefined : v);
                setPage(1);
              }}
              options={[{ value: '', label: t('deadLetters.filter.all') }, ...(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))]}
            />
            <Button icon={<ReloadOutlined />} onClick={letters.reload}>
              {t('common.refresh')}
            </Button>
            <Popconfirm title={confirmAll} okText={t('deadLetters.retryAll')} cancelText={t('common.cancel')} onConfirm={retryAll} disabled={total === 0}>
              <Button type="primary" icon={<RedoOutlined />} disabled={total === 0 || busy !== null} loading={busy === 'all'} data-testid="dead-letters-retry-all">
                {t('deadLetters.retryAll')}
              </Button>
            </Popconfirm>
          </Space>
        }
      />
      {letters.error && !letters.data ? (
        <LoadError error={letters.error} onRetry={letters.reload} />
      ) : (
        <Table<DeadLetterView>
          rowKey="messageId"
          columns={columns}
          dataSource={letters.data?.items ?? []}
          loading={letters.loading}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('deadLetters.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total,
            showSizeChanger: false,
            hideOnSinglePage: true,
            showTotal: (n) => t('deadLetters.total', { count: n }),
            onChange: setPage,
          }}
          scroll={{ x: 1200 }}
        />
      )}
    </div>
  );
}
