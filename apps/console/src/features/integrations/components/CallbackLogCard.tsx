import { SideCard } from '../../layout/components/SideCard';
import { HistoryOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { usePolling } from '../../../api/usePolling';
import { useI18n } from '../../../i18n';
import { integrationsApi, type CallbackOutcome, type CallbackRecord } from '../api/integrationsApi';

export const CALLBACKS_REFRESH_MS = 5000;

const OUTCOME_COLOR: Record<CallbackOutcome, string> = {
  accepted: 'success',
  verified: 'blue',
  duplicate: 'default',
  rejected: 'error',
  error: 'error',
};

/** The last callbacks the platform sent to this integration, with the likely cause of failures. */
export function CallbackLogCard({ integrationId, callbackUrl }: { integrationId: string; callbackUrl: string }) {
  const { t, pick, lang, formatDateTime } = useI18n();
  const log = usePolling((signal) => integrationsApi.callbacks(integrationId, signal), `callbacks:${integrationId}`, CALLBACKS_REFRESH_MS);
  const data = log.data;

  const columns: TableColumnsType<CallbackRecord> = [
    {
      title: t('cb.col.at'),
      dataIndex: 'at',
      key: 'at',
      width: 160,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    { title: t('cb.col.method'), dataIndex: 'method', key: 'method', width: 80, render: (m: string) => <Tag>{m}</Tag> },
    {
      title: t('cb.col.outcome'),
      dataIndex: 'outcome',
      key: 'outcome',
      width: 140,
      render: (outcome: CallbackOutcome, record) => (
        <span className="nowrap">
          <Tag color={OUTCOME_COLOR[outcome] ?? 'default'}>{OUTCOME_COLOR[outcome] ? t(`cb.outcome.${outcome}`) : outcome}</Tag>
          {record.count && record.count > 1 ? <Typography.Text type="secondary">×{record.count}</Typography.Text> : null}
        </span>
      ),
    },
    {
      title: t('cb.col.detail'),
      key: 'detail',
      render: (_v, record) => (
        <div>
          <div className="mono-small break-all">{record.detail}</div>
          {record.cause && (
            <div className="cb-cause" data-testid="callback-cause">
              {t('cb.cause')}
              {pick(record.cause)}
            </div>
          )}
        </div>
      ),
    },
  ];

  const summary = data?.summary;
  const setupOrder = data ? (lang === 'zh' ? data.setupOrder.zh : data.setupOrder.en) : [];

  return (
    <SideCard
      icon={<HistoryOutlined />}
      title={t('cb.title')}
      extra={
        <Space size={8}>
          <Typography.Text type="secondary" className="small-text">
            {t('conv.autoRefresh', { seconds: CALLBACKS_REFRESH_MS / 1000 })}
          </Typography.Text>
          <Button size="small" icon={<ReloadOutlined spin={log.refreshing} />} onClick={log.reload} aria-label={t('common.refresh')}>
            {t('common.refresh')}
          </Button>
        </Space>
      }
    >
      {log.error ? (
        <Alert type="warning" showIcon title={t('cb.loadFailed')} style={{ marginBottom: 12 }} />
      ) : null}
      {summary && (
        <div className="cb-summary" data-testid="callback-summary">
          <span>
            {t('cb.lastReceived')}
            {summary.lastReceivedAt ? formatDateTime(summary.lastReceivedAt) : t('cb.never')}
          </span>
          <span>
            {t('cb.lastSuccess')}
            {summary.lastSuccessAt ? formatDateTime(summary.lastSuccessAt) : t('cb.never')}
          </span>
          {summary.lastFailure && (
            <span className="cb-summary__failure">
              {t('cb.lastFailure')}
              {formatDateTime(summary.lastFailure.at)} · {pick(summary.lastFailure.cause) || summary.lastFailure.detail}
            </span>
          )}
        </div>
      )}
      {summary?.neverReached && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="never-reached"
          title={t('cb.neverReached')}
          description={
            <div>
              <div>{t('cb.checkTitle')}</div>
              <ul className="plain-list">
                <li>{t('cb.check.url', { url: callbackUrl })}</li>
                <li>{t('cb.check.network')}</li>
                <li>{t('cb.check.https')}</li>
                <li>{t('cb.check.saved')}</li>
              </ul>
              {setupOrder.length > 0 && (
                <>
                  <div style={{ marginTop: 8 }}>{t('edit.setupTitle')}</div>
                  <ol className="setup-steps">
                    {setupOrder.map((step, index) => (
                      <li key={index}>{step}</li>
                    ))}
                  </ol>
                </>
              )}
            </div>
          }
        />
      )}
      <Table<CallbackRecord>
        size="small"
        rowKey={(record) => `${record.at}:${record.method}:${record.outcome}:${record.detail}`}
        columns={columns}
        dataSource={data?.records ?? []}
        loading={log.loading && !data}
        pagination={false}
        scroll={{ x: 640, y: 360 }}
        locale={{ emptyText: t('cb.empty') }}
      />
    </SideCard>
  );
}
