import { useMemo } from 'react';
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import type { ConversationState, ConversationView } from '@imbridge/contracts';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { usePolling } from '../../../api/usePolling';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { integrationsApi } from '../../integrations/api/integrationsApi';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { conversationsApi, conversationsQuery, type ConversationFilters } from '../api/conversationsApi';

export const CONVERSATIONS_REFRESH_MS = 5000;
const PAGE_SIZE = 50;
const STATES: ConversationState[] = ['bot', 'queued', 'assigned', 'closed'];
const STATE_COLOR: Record<ConversationState, string> = { bot: 'purple', queued: 'gold', assigned: 'blue', closed: 'default' };

const isState = (value: string | null): value is ConversationState => STATES.includes(value as ConversationState);

/** /conversations — every conversation the user may see, newest activity first, refreshed every 5 s. */
export function ConversationsPage() {
  const { t, formatDateTime } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const isAdmin = user?.role === 'admin';
  const [params, setParams] = useSearchParams();

  const integrationParam = params.get('integrationId');
  const stateParam = params.get('state');
  const filters: ConversationFilters = {
    integrationId: integrationParam || undefined,
    state: isState(stateParam) ? stateParam : undefined,
    limit: PAGE_SIZE,
    offset: Math.max(0, Number(params.get('offset')) || 0),
  };
  const query = conversationsQuery(filters);

  const conversations = usePolling((signal) => conversationsApi.list(filters, signal), `conversations?${query}`, CONVERSATIONS_REFRESH_MS);
  const integrations = useRequest((signal) => integrationsApi.list(signal), isAdmin ? 'integrations' : null);
  const integrationNames = useMemo(() => new Map((integrations.data ?? []).map((i) => [i.id, i.name] as const)), [integrations.data]);

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('offset');
    setParams(next, { replace: true });
  };
  const setOffset = (offset: number) => {
    const next = new URLSearchParams(params);
    if (offset > 0) next.set('offset', String(offset));
    else next.delete('offset');
    setParams(next, { replace: true });
  };

  const open = (record: ConversationView) =>
    navigate(`/conversations/${encodeURIComponent(record.id)}`, { state: { conversation: record } });

  const columns: TableColumnsType<ConversationView> = [
    {
      title: t('conv.col.contact'),
      key: 'contact',
      render: (_v, record) => (
        <Typography.Link onClick={() => open(record)} className="table-name-link">
          {record.contact.displayName || record.contact.externalId}
        </Typography.Link>
      ),
    },
    ...(isAdmin
      ? [
          {
            title: t('conv.col.integration'),
            dataIndex: 'integrationId',
            key: 'integrationId',
            render: (integrationId: string) => integrationNames.get(integrationId) ?? integrationId,
          },
        ]
      : []),
    {
      title: t('conv.col.state'),
      dataIndex: 'state',
      key: 'state',
      width: 110,
      render: (state: ConversationState) => <Tag color={STATE_COLOR[state]}>{t(`conv.state.${state}`)}</Tag>,
    },
    {
      title: t('conv.col.lastMessage'),
      dataIndex: 'lastMessagePreview',
      key: 'lastMessagePreview',
      ellipsis: true,
      // Plain text: React escapes it.
      render: (preview: string | null) => preview ?? <Typography.Text type="secondary">{t('common.none')}</Typography.Text>,
    },
    {
      title: t('conv.col.lastMessageAt'),
      dataIndex: 'lastMessageAt',
      key: 'lastMessageAt',
      width: 170,
      render: (at: string | null, record) => <span className="nowrap">{formatDateTime(at ?? record.createdAt)}</span>,
    },
  ];

  const rows = conversations.data ?? [];
  const hasNext = rows.length >= PAGE_SIZE;

  return (
    <div className="page">
      <PageHeader
        title={t('conv.title')}
        subTitle={t('conv.subtitle')}
        extra={
          <Button icon={<ReloadOutlined spin={conversations.refreshing} />} onClick={conversations.reload}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap className="filters">
        {isAdmin && (
          <Select
            aria-label={t('conv.filter.integration')}
            style={{ minWidth: 220 }}
            allowClear
            placeholder={t('conv.filter.allIntegrations')}
            value={filters.integrationId}
            onChange={(value?: string) => setFilter('integrationId', value)}
            loading={integrations.loading}
            options={(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          />
        )}
        <Select
          aria-label={t('conv.filter.state')}
          style={{ minWidth: 160 }}
          allowClear
          placeholder={t('conv.filter.allStates')}
          value={filters.state}
          onChange={(value?: string) => setFilter('state', value)}
          options={STATES.map((s) => ({ value: s, label: t(`conv.state.${s}`) }))}
        />
        <Typography.Text type="secondary">{t('conv.autoRefresh', { seconds: CONVERSATIONS_REFRESH_MS / 1000 })}</Typography.Text>
      </Space>
      {conversations.error && !conversations.data ? (
        <LoadError error={conversations.error} onRetry={conversations.reload} />
      ) : (
        <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
          <Table<ConversationView>
            rowKey="id"
            columns={columns}
            dataSource={rows}
            loading={conversations.loading && !conversations.data}
            pagination={false}
            onRow={(record) => ({ onDoubleClick: () => open(record) })}
            scroll={{ x: 760 }}
            locale={{ emptyText: conversations.loading ? <div style={{ height: 120 }} /> : <Empty description={t('conv.empty')} /> }}
          />
          {(filters.offset > 0 || hasNext) && (
            <div className="table-pager">
              <Button disabled={filters.offset === 0} onClick={() => setOffset(Math.max(0, filters.offset - PAGE_SIZE))}>
                {t('common.prevPage')}
              </Button>
              <Button disabled={!hasNext} onClick={() => setOffset(filters.offset + PAGE_SIZE)}>
                {t('common.nextPage')}
              </Button>
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
