import { Descriptions, Empty, Skeleton, Tag, Typography } from 'antd';
import type { ConversationState, ConversationView } from '@imbridge/contracts';
import { Link } from 'react-router-dom';
import { useRequest } from '../../../api/useRequest';
import { useI18n, type MessageKey } from '../../../i18n';
import { KfSessionInfo } from '../../kf/components/KfSessionInfo';
import { deskApi } from '../api/deskApi';
import { contactName } from '../utils/contactName';

export const STATE_COLOR: Record<ConversationState, string> = { bot: 'purple', queued: 'gold', assigned: 'blue', closed: 'default' };

export function platformLabel(t: (key: MessageKey) => string, platform: string): string {
  const key = `desk.platform.${platform}` as MessageKey;
  const label = t(key);
  return label === key ? platform : label;
}

/**
 * The customer behind the chat: who, where, since when, and all their conversations. The open
 * conversation is shown live (`current`), and the profile is refetched when it changes (state, a new
 * message), so counts and states never lag behind the chat beside it.
 */
export function ContactPanel({ contactId, current }: { contactId: string; current: ConversationView }) {
  const { t, formatDateTime } = useI18n();
  const currentId = current.id;
  const profile = useRequest((signal) => deskApi.contact(contactId, signal), `contact:${contactId}:${current.state}:${current.lastMessageAt ?? ''}`);

  // 微信客服: the platform's session state, shown whatever happens to the profile.
  const kfSession = current.platform === 'wecom-kf' ? <KfSessionInfo conversation={current} /> : null;
  if (profile.loading && !profile.data) return <Skeleton active paragraph={{ rows: 5 }} />;
  if (!profile.data)
    return (
      <>
        <Typography.Text type="secondary">{t('desk.profile.loadFailed')}</Typography.Text>
        {kfSession}
      </>
    );
  const p = profile.data;
  const platform = p.conversations.find((c) => c.id === currentId)?.platform ?? p.conversations[0]?.platform;
  const conversations = p.conversations.map((c) => (c.id === currentId ? current : c)).sort((a, b) => (b.lastMessageAt ?? b.createdAt).localeCompare(a.lastMessageAt ?? a.createdAt));

  return (
    <div data-testid="contact-profile">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {contactName({ platform: current.platform, contact: { id: p.id, externalId: p.externalId, displayName: p.displayName } })}
      </Typography.Title>
      <Descriptions
        column={1}
        size="small"
        items={[
          { key: 'externalId', label: t('desk.profile.externalId'), children: <span className="mono-small">{p.externalId}</span> },
          ...(platform ? [{ key: 'platform', label: t('desk.profile.platform'), children: platformLabel(t, platform) }] : []),
          { key: 'firstSeen', label: t('desk.profile.firstSeen'), children: formatDateTime(p.firstSeenAt) },
          { key: 'messages', label: t('desk.profile.messages'), children: p.messageCount },
        ]}
      />
      {kfSession}
      <Typography.Text strong>{t('desk.profile.conversations')}</Typography.Text>
      {conversations.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('desk.profile.none')} />
      ) : (
        <ul className="profile-convs">
          {conversations.map((c) => (
            <li key={c.id} data-testid="profile-conversation">
              <Tag color={STATE_COLOR[c.state]}>{t(`conv.state.${c.state}`)}</Tag>
              {c.id === currentId ? (
                <Typography.Text type="secondary">
                  {formatDateTime(c.lastMessageAt ?? c.createdAt)} · {t('desk.profile.current')}
                </Typography.Text>
              ) : (
                <Link to={`/conversations/${encodeURIComponent(c.id)}`} state={{ conversation: c }}>
                  {formatDateTime(c.lastMessageAt ?? c.createdAt)}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
