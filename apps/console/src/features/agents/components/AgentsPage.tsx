import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Badge, Button, Card, Empty, Progress, Space, Switch, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { AgentView, PresenceStatus } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { useDesk, useDeskEvents } from '../../desk/hooks/deskContext';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { agentsApi } from '../api/agentsApi';
import { CapacityInput } from './CapacityInput';
import { NewAgentModal } from './NewAgentModal';

const PRESENCE_BADGE: Record<PresenceStatus, 'success' | 'warning' | 'default'> = { online: 'success', away: 'warning', offline: 'default' };

/** Replaces the row of `agent` in place (rows keep their order), or appends a user we did not know. */
function upsert(list: AgentView[] | undefined, agent: AgentView): AgentView[] | undefined {
  if (!list) return list; // still loading: the pending list is newer than anything we could patch
  return list.some((a) => a.id === agent.id) ? list.map((a) => (a.id === agent.id ? agent : a)) : [...list, agent];
}

/** /agents — admins manage who answers chats: presence and load live, capacity inline, new accounts. */
export function AgentsPage() {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const { message } = App.useApp();
  const { epoch } = useDesk();
  const agents = useRequest((signal) => agentsApi.list(signal), 'desk-agents');
  const [creating, setCreating] = useState(false);

  useDeskEvents((event) => {
    if (event.type === 'presence.updated') agents.setData((current) => upsert(current, event.agent));
  });

  // Events sent while the socket was down are lost: refetch on every reconnect after the first render.
  const seenEpoch = useRef(epoch);
  const { reload } = agents;
  useEffect(() => {
    if (epoch === seenEpoch.current) return;
    seenEpoch.current = epoch;
    reload();
  }, [epoch, reload]);

  const nameOf = (a: AgentView) => a.displayName || a.username;

  const saveCapacity = async (agent: AgentView, capacity: number) => {
    try {
      const saved = await agentsApi.setCapacity(agent.id, capacity);
      agents.setData((current) => upsert(current, saved));
      message.success(t('agents.capacity.saved', { name: nameOf(saved), capacity: saved.capacity }));
    } catch (err) {
      message.error(isApiError(err) ? `${t('agents.capacity.failed')}: ${err.localized(lang)}` : t('agents.capacity.failed'));
      throw err;
    }
  };

  const [savingViewAll, setSavingViewAll] = useState<string | null>(null);
  const saveViewAll = async (agent: AgentView, granted: boolean) => {
    setSavingViewAll(agent.id);
    try {
      const saved = await agentsApi.setViewAllChats(agent.id, granted);
      agents.setData((current) => upsert(current, saved));
      message.success(t(saved.canViewAllChats ? 'agents.viewAll.granted' : 'agents.viewAll.revoked', { name: nameOf(saved) }));
    } catch (err) {
      message.error(isApiError(err) ? `${t('agents.viewAll.failed')}: ${err.localized(lang)}` : t('agents.viewAll.failed'));
    } finally {
      setSavingViewAll(null);
    }
  };

  const columns: TableColumnsType<AgentView> = [
    {
      title: t('agents.col.name'),
      key: 'name',
      render: (_: unknown, a) => (
        <Space size={6}>
          <Typography.Text strong>{nameOf(a)}</Typography.Text>
          {a.id === user?.id && <Tag>{t('agents.you')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('agents.col.username'),
      dataIndex: 'username',
      key: 'username',
      render: (username: string) => <Typography.Text type="secondary">{username}</Typography.Text>,
    },
    {
      title: t('agents.col.role'),
      dataIndex: 'role',
      key: 'role',
      width: 110,
      render: (role: AgentView['role']) => <Tag color={role === 'admin' ? 'blue' : 'default'}>{t(`auth.role.${role}`)}</Tag>,
    },
    {
      title: t('agents.col.presence'),
      dataIndex: 'status',
      key: 'status',
      width: 110,
      render: (status: PresenceStatus) => (
        <span data-testid="agent-presence" data-status={status}>
          <Badge status={PRESENCE_BADGE[status]} text={t(`agents.presence.${status}`)} />
        </span>
      ),
    },
    {
      title: t('agents.col.load'),
      key: 'load',
      width: 170,
      render: (_: unknown, a) => {
        const full = a.capacity > 0 && a.activeChats >= a.capacity;
        return (
          <Space size={8} data-testid="agent-load">
            <span className="nowrap">
              {a.activeChats} / {a.capacity}
            </span>
            {a.capacity > 0 ? (
              <Progress
                size={{ width: 64, height: 6 }}
                showInfo={false}
                percent={Math.min(100, Math.round((a.activeChats / a.capacity) * 100))}
                strokeColor={full ? '#fa8c16' : undefined}
                aria-hidden
              />
            ) : (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('agents.capacity.never')}
              </Typography.Text>
            )}
          </Space>
        );
      },
    },
    {
      title: (
        <Tooltip title={t('agents.subtitle')}>
          <span>{t('agents.col.capacity')}</span>
        </Tooltip>
      ),
      key: 'capacity',
      width: 130,
      render: (_: unknown, a) => (
        <CapacityInput value={a.capacity} label={t('agents.capacity.label', { name: nameOf(a) })} onSave={(capacity) => saveCapacity(a, capacity)} />
      ),
    },
    {
      title: (
        <Tooltip title={t('agents.viewAll.help')}>
          <span>{t('agents.col.viewAll')}</span>
        </Tooltip>
      ),
      key: 'viewAll',
      width: 130,
      render: (_: unknown, a) =>
        a.role === 'admin' ? (
          <Typography.Text type="secondary">{t('agents.viewAll.admin')}</Typography.Text>
        ) : (
          <Switch
            size="small"
            checked={a.canViewAllChats}
            loading={savingViewAll === a.id}
            aria-label={t('agents.viewAll.label', { name: nameOf(a) })}
            onChange={(checked) => void saveViewAll(a, checked)}
          />
        ),
    },
  ];

  return (
    <div className="page" data-testid="agents-page">
      <PageHeader
        title={t('agents.title')}
        subTitle={t('agents.subtitle')}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={agents.reload}>
              {t('common.refresh')}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="agent-new">
              {t('agents.new')}
            </Button>
          </Space>
        }
      />
      {agents.error && !agents.data ? (
        <LoadError error={agents.error} onRetry={agents.reload} />
      ) : (
        <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
          <Table<AgentView>
            rowKey="id"
            columns={columns}
            dataSource={agents.data ?? []}
            loading={agents.loading && !agents.data}
            pagination={(agents.data?.length ?? 0) > 50 ? { pageSize: 50 } : false}
            locale={{ emptyText: <Empty description={t('agents.empty')} /> }}
            onRow={(a) => ({ 'data-agent': a.username }) as HTMLAttributes<HTMLElement>}
            scroll={{ x: 860 }}
          />
        </Card>
      )}
      {/* The new account appears with its presence and capacity once the list is fetched again. */}
      <NewAgentModal open={creating} onClose={() => setCreating(false)} onCreated={agents.reload} />
    </div>
  );
}
