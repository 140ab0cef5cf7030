import { SyncOutlined } from '@ant-design/icons';
import { Alert, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { InboundSourceStatusView } from '@imbridge/contracts';
import { usePolling } from '../../../api/usePolling';
import { useI18n } from '../../../i18n';
import { SideCard } from '../../layout/components/SideCard';
import { integrationsApi } from '../api/integrationsApi';

export const SOURCES_REFRESH_MS = 5000;

const STATE_COLOR: Record<InboundSourceStatusView['state'], string> = {
  idle: 'default',
  pulling: 'processing',
  connecting: 'processing',
  connected: 'success',
  down: 'error',
};

/**
 * Inbound sources that are not callbacks (message pulls per account, long-lived connections): is
 * each one running, when did it last succeed, and its last error. Shown for platforms that declare
 * a 'cursor-pull' or 'connection' capability.
 */
export function InboundSourcesCard({ integrationId }: { integrationId: string }) {
  const { t, pick, formatDateTime } = useI18n();
  const status = usePolling((signal) => integrationsApi.inboundSources(integrationId, signal), `sources:${integrationId}`, SOURCES_REFRESH_MS);

  const columns: TableColumnsType<InboundSourceStatusView> = [
    {
      title: t('src.col.source'),
      key: 'source',
      render: (_v, row) => (
        <div>
          <div>{pick(row.label)}</div>
          {row.unit && <div className="mono-small break-all">{row.unit}</div>}
        </div>
      ),
    },
    {
      title: t('src.col.state'),
      key: 'state',
      width: 110,
      render: (_v, row) => (
        <Tooltip title={row.holder ? t('src.holder', { holder: row.holder }) : undefined}>
          <Tag color={STATE_COLOR[row.state] ?? 'default'} data-testid="source-state">
            {t(`src.state.${row.state}`)}
          </Tag>
        </Tooltip>
      ),
    },
    {
      title: t('src.col.lastSuccess'),
      key: 'lastSuccess',
      width: 170,
      render: (_v, row) => <span className="nowrap">{row.lastSuccessAt ? formatDateTime(row.lastSuccessAt) : t('src.never')}</span>,
    },
    {
      title: t('src.col.lastError'),
      key: 'lastError',
      render: (_v, row) =>
        row.lastError ? (
          <div data-testid="source-error">
            <Typography.Text type="secondary" className="small-text nowrap">
              {formatDateTime(row.lastError.at)}
            </Typography.Text>
            <div className="break-all">{row.lastError.message}</div>
          </div>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <SideCard icon={<SyncOutlined />} title={t('src.title')} testId="inbound-sources">
      {status.error ? <Alert type="warning" showIcon title={t('src.loadFailed')} style={{ marginBottom: 12 }} /> : null}
      <Table<InboundSourceStatusView>
        size="small"
        rowKey={(row) => `${row.source}\n${row.unit}`}
        columns={columns}
        dataSource={status.data ?? []}
        loading={status.loading && !status.data}
        pagination={false}
        scroll={{ x: 560 }}
        locale={{ emptyText: t('src.empty') }}
      />
    </SideCard>
  );
}
