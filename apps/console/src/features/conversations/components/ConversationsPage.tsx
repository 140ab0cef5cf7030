import { useEffect, useState } from 'react';
import { Alert, Empty, Skeleton, Tabs, Tag, Typography } from 'antd';
import type { ConversationView } from '@imbridge/contracts';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import type { DeskView } from '../../desk/api/deskApi';
import { platformLabel, STATE_COLOR } from '../../desk/components/ContactPanel';
import { useDesk } from '../../desk/hooks/deskContext';
import { useNow } from '../../desk/hooks/useNow';
import { formatDuration } from '../../desk/utils/duration';
import { LoadError } from '../../integrations/components/LoadError';
import { useDeskList, LIST_POLL_MS, type DeskList } from '../hooks/useDeskList';
import { ConversationPane } from './ConversationPane';
import '../../desk/desk.css';
import { contactName } from '../../desk/utils/contactName';

const VIEWS: DeskView[] = ['queue', 'mine', 'all'];

interface RowProps {
  row: ConversationView;
  active: boolean;
  search: string;
  now: number;
}

function ConversationRow({ row, active, search, now }: RowProps) {
  const { t, formatDateTime } = useI18n();
  const name = contactName(row);
  return (
    <Link
      to={{ pathname: `/conversations/${encodeURIComponent(row.id)}`, search }}
      state={{ conversation: row }}
      className={`desk-row ${active ? 'desk-row--active' : ''}`}
      data-testid="conversation-item"
      data-contact={row.contact.externalId}
      data-state={row.state}
      aria-current={active ? 'true' : undefined}
    >
      <div className="desk-row__top">
        <span className="desk-row__name" title={row.contact.externalId}>
          {name}
        </span>
        {row.unreadCount > 0 && (
          <span className="desk-unread" data-testid="unread-badge">
            {row.unreadCount > 99 ? '99+' : row.unreadCount}
          </span>
        )}
        <span className="desk-row__meta">{formatDateTime(row.lastMessageAt ?? row.createdAt)}</span>
      </div>
      <div className="desk-row__bottom">
        {/* Plain text: React escapes the customer's words. */}
        <span className="desk-row__preview">{row.lastMessagePreview ?? t('desk.list.noMessage')}</span>
      </div>
      <div className="desk-row__bottom" style={{ marginTop: 4 }}>
        <Tag color={STATE_COLOR[row.state]}>{t(`conv.state.${row.state}`)}</Tag>
        <Tag>{platformLabel(t, row.platform)}</Tag>
        {name !== row.contact.externalId && <span className="desk-row__meta desk-row__id">{row.contact.externalId}</span>}
        {row.state === 'queued' && row.queuedAt && (
          <span className="desk-row__waiting">{t('desk.list.waiting', { time: formatDuration(now - Date.parse(row.queuedAt), t) })}</span>
        )}
      </div>
    </Link>
  );
}

function ListBody({ list, view, openId, search, now }: { list: DeskList; view: DeskView; openId?: string; search: string; now: number }) {
  const { t } = useI18n();
  if (list.error && !list.rows) return <LoadError error={list.error} onRetry={list.reload} />;
  if (!list.rows) return <Skeleton active paragraph={{ rows: 6 }} style={{ padding: 16 }} />;
  if (list.rows.length === 0) return <Empty style={{ marginTop: 48 }} description={t(`desk.list.empty.${view}`)} />;
  return (
    <div role="list" data-testid={`desk-list-${view}`}>
      {list.rows.map((row) => (
        <ConversationRow key={row.id} row={row} active={row.id === openId} search={search} now={now} />
      ))}
    </div>
  );
}

/**
 * /conversations and /conversations/:id — the agent desk: queue, my chats and (admins) all chats on
 * the left, the open conversation on the right; kept live by the desk socket.
 */
export function ConversationsPage() {
  const { id } = useParams<{ id: string }>();
  const { t } = useI18n();
  const { user } = useAuth();
  const desk = useDesk();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const now = useNow(30_000);
  // Admins, and agents an admin granted it, have the "all chats" tab.
  const seesAll = user?.role === 'admin' || user?.canViewAllChats === true;
  // The first connection takes a moment; do not flash "connection lost" while it is being made.
  const [connecting, setConnecting] = useState(true);
  useEffect(() => {
    const timer = window.setTimeout(() => setConnecting(false), 4000);
    return () => window.clearTimeout(timer);
  }, []);

  const wanted = params.get('tab') as DeskView | null;
  const tab: DeskView = wanted && VIEWS.includes(wanted) && (wanted !== 'all' || seesAll) ? wanted : 'queue';

  const queue = useDeskList('queue', true, id);
  const mine = useDeskList('mine', true, id);
  const all = useDeskList('all', seesAll && tab === 'all', id);
  const lists: Record<DeskView, DeskList> = { queue, mine, all };

  const onChange = (c: ConversationView) => VIEWS.forEach((v) => lists[v].apply(c));
  const search = params.toString() ? `?${params.toString()}` : '';
  const initial = (location.state as { conversation?: ConversationView } | null)?.conversation;

  const label = (view: DeskView, count?: number) => (
    <span data-testid={`desk-tab-${view}`}>
      {t(`desk.tab.${view}`)}
      {count !== undefined && count > 0 && <span className="desk-tab__count">{count}</span>}
    </span>
  );

  return (
    <div className="desk" data-testid="desk">
      <section className="desk__list" aria-label={t('desk.title')}>
        <Tabs
          className="desk__tabs"
          activeKey={tab}
          onChange={(key) => {
            const next = new URLSearchParams(params);
            next.set('tab', key);
            setParams(next, { replace: true });
          }}
          items={[
            { key: 'queue', label: label('queue', queue.rows?.length) },
            { key: 'mine', label: label('mine', mine.rows?.length) },
            ...(seesAll ? [{ key: 'all', label: label('all') }] : []),
          ]}
        />
        {desk.active && !desk.connected && (desk.epoch > 0 || !connecting) && (
          <Alert type="warning" banner showIcon title={t('desk.list.polling', { seconds: LIST_POLL_MS / 1000 })} />
        )}
        <div className="desk__rows">
          <ListBody list={lists[tab]} view={tab} openId={id} search={search} now={now} />
        </div>
      </section>
      <section className="desk__pane">
        {id ? (
          <ConversationPane key={id} id={id} initial={initial} onChange={onChange} />
        ) : (
          <div className="desk__pane-empty">
            <Empty description={<Typography.Text type="secondary">{t('desk.pane.placeholder')}</Typography.Text>} />
          </div>
        )}
      </section>
    </div>
  );
}
