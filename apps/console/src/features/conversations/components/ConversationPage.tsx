import { useEffect, useRef, useState } from 'react';
import { ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Skeleton, Space, Tag, Typography } from 'antd';
import type { ConversationView, MessageView } from '@imbridge/contracts';
import { useLocation, useNavigate, useParams } from 'react-router-dom';
import { isApiError } from '../../../api/client';
import { usePolling } from '../../../api/usePolling';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { conversationsApi } from '../api/conversationsApi';
import { MessageItem } from './MessageItem';
import { ReplyBox } from './ReplyBox';

export const MESSAGES_REFRESH_MS = 3000;

interface ConversationLocationState {
  conversation?: ConversationView;
}

function byTime(a: MessageView, b: MessageView): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

/** /conversations/:id — the timeline of one conversation, refreshed every 3 s, with a reply box. */
export function ConversationPage() {
  const { id = '' } = useParams<{ id: string }>();
  const location = useLocation();
  const navigate = useNavigate();
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const { message } = App.useApp();
  const conversation = (location.state as ConversationLocationState | null)?.conversation;
  const isAdmin = user?.role === 'admin';

  const messages = usePolling((signal) => conversationsApi.messages(id, signal), `messages:${id}`, MESSAGES_REFRESH_MS);
  const [retrying, setRetrying] = useState<string | null>(null);
  const endRef = useRef<HTMLDivElement>(null);

  const list = [...(messages.data ?? [])].sort(byTime);
  const count = list.length;
  useEffect(() => {
    if (count > 0) endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [count]);

  const upsert = (next: MessageView) =>
    messages.setData((current) => {
      const rest = (current ?? []).filter((m) => m.id !== next.id);
      return [...rest, next];
    });

  const onRetry = async (failed: MessageView) => {
    setRetrying(failed.id);
    try {
      const result = await conversationsApi.retry(failed.id);
      if (result && typeof result === 'object' && 'id' in result) upsert(result);
      else upsert({ ...failed, status: 'queued', error: null });
      message.success(t('conv.retryQueued'));
    } catch (err) {
      message.error(isApiError(err) ? `${t('conv.retryFailed')}: ${err.localized(lang)}` : t('conv.retryFailed'));
    } finally {
      setRetrying(null);
    }
  };

  const contactName = conversation ? conversation.contact.displayName || conversation.contact.externalId : null;

  let timeline;
  if (messages.error && !messages.data) {
    timeline = <LoadError error={messages.error} onRetry={messages.reload} />;
  } else if (messages.loading && !messages.data) {
    timeline = <Skeleton active paragraph={{ rows: 6 }} />;
  } else if (list.length === 0) {
    timeline = <Empty description={t('conv.noMessages')} />;
  } else {
    timeline = list.map((m) => (
      <MessageItem key={m.id} message={m} canRetry={isAdmin} retrying={retrying === m.id} onRetry={onRetry} />
    ));
  }

  return (
    <div className="page page--narrow">
      <PageHeader
        title={contactName ?? t('conv.viewTitle')}
        subTitle={
          <Space size={8} wrap>
            {conversation && <Tag>{t(`conv.state.${conversation.state}`)}</Tag>}
            <Typography.Text type="secondary" className="mono-small">
              {conversation?.contact.externalId ?? id}
            </Typography.Text>
          </Space>
        }
        onBack={() => navigate('/conversations')}
        backLabel={t('common.back')}
        extra={
          <Button icon={<ReloadOutlined spin={messages.refreshing} />} onClick={messages.reload}>
            {t('common.refresh')}
          </Button>
        }
      />
      {messages.error && messages.data ? (
        <Alert type="warning" showIcon title={t('conv.refreshFailed')} style={{ marginBottom: 12 }} />
      ) : null}
      <Card variant="borderless" className="conversation-card">
        <div className="timeline" data-testid="timeline" aria-live="polite">
          {timeline}
          <div ref={endRef} />
        </div>
        <ReplyBox conversationId={id} onSent={upsert} />
      </Card>
    </div>
  );
}
