import { useCallback, useEffect, useRef, useState } from 'react';
import { CheckCircleOutlined, IdcardOutlined, LoginOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Popconfirm, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import type { AgentView, ConversationView, MessageView, ReplyWindowView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { deskApi } from '../../desk/api/deskApi';
import { ContactPanel, platformLabel, STATE_COLOR } from '../../desk/components/ContactPanel';
import { TransferModal } from '../../desk/components/TransferModal';
import { useDesk, useDeskEvents } from '../../desk/hooks/deskContext';
import { LoadError } from '../../integrations/components/LoadError';
import { conversationsApi, MESSAGE_PAGE } from '../api/conversationsApi';
import { eventReplyKinds } from '../../kf/utils/kfMessage';
import { MessageItem } from './MessageItem';
import { ReplyBox } from './ReplyBox';
import { contactName } from '../../desk/utils/contactName';
import { byTime, upsert } from '../utils/messageList';

/** While the realtime connection is down, the open chat is refreshed this often. */
export const PANE_POLL_MS = 3000;


interface ConversationPaneProps {
  id: string;
  /** The row from the list, shown until the conversation itself has loaded. */
  initial?: ConversationView;
  /** The conversation changed by an action here (claim, transfer, close, read). */
  onChange: (conversation: ConversationView) => void;
}

/** One chat in the desk (mounted per id): header with actions, the timeline, the composer and the customer profile. */
export function ConversationPane({ id, initial, onChange }: ConversationPaneProps) {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const desk = useDesk();
  const { message } = App.useApp();
  const me = user?.id;
  const isAdmin = user?.role === 'admin';

  const [conversation, setConversation] = useState<ConversationView | undefined>(initial?.id === id ? initial : undefined);
  const [convError, setConvError] = useState<unknown>(null);
  const [messages, setMessages] = useState<MessageView[] | undefined>();
  const [msgError, setMsgError] = useState<unknown>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [replyWindow, setReplyWindow] = useState<ReplyWindowView | null>(null);
  const [busy, setBusy] = useState<'claim' | 'transfer' | 'close' | null>(null);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  const [profileOpen, setProfileOpen] = useState(true);
  const endRef = useRef<HTMLDivElement>(null);
  const reading = useRef(false);
  // Messages pushed while a load is in flight are replayed on its result (it may predate them).
  const pendingMessages = useRef<MessageView[] | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const loadConversation = useCallback(
    (signal?: AbortSignal) =>
      deskApi.conversation(id, signal).then(
        (c) => {
          setConversation(c);
          setConvError(null);
        },
        (err: unknown) => {
          if (!signal?.aborted) setConvError(err);
        },
      ),
    [id],
  );
  const loadMessages = useCallback(
    (signal?: AbortSignal) => {
      pendingMessages.current = [];
      return conversationsApi.messages(id, signal).then(
        (list) => {
          if (signal?.aborted) return;
          let next = [...list].sort(byTime);
          for (const m of pendingMessages.current ?? []) next = upsert(next, m);
          pendingMessages.current = null;
          setMessages(next);
          setHasOlder(list.length >= MESSAGE_PAGE);
          setMsgError(null);
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          pendingMessages.current = null;
          setMsgError(err);
        },
      );
    },
    [id],
  );
  const loadOlder = async () => {
    const oldest = messages?.[0];
    if (!oldest) return;
    setLoadingOlder(true);
    try {
      const older = await conversationsApi.messages(id, undefined, oldest.id);
      setMessages((list) => (list ? [...older, ...list.filter((m) => !older.some((o) => o.id === m.id))] : list));
      setHasOlder(older.length >= MESSAGE_PAGE);
    } catch {
      void message.error(t('desk.history.loadFailed'));
    } finally {
      setLoadingOlder(false);
    }
  };
  const loadWindow = useCallback(
    (signal?: AbortSignal) =>
      deskApi.replyWindow(id, signal).then(
        (view) => setReplyWindow(view),
        // No window information (older server, or an error) must not block the agent.
        () => setReplyWindow(null),
      ),
    [id],
  );

  // Load, and reload after every (re)connect: events may have been missed meanwhile.
  useEffect(() => {
    const controller = new AbortController();
    void loadConversation(controller.signal);
    void loadMessages(controller.signal);
    return () => controller.abort();
  }, [loadConversation, loadMessages, desk.epoch]);

  const lastInboundAt = conversation?.lastInboundAt ?? null;
  useEffect(() => {
    const controller = new AbortController();
    void loadWindow(controller.signal);
    return () => controller.abort();
  }, [loadWindow, lastInboundAt, desk.epoch]);

  // Polling only while the realtime connection is down.
  useEffect(() => {
    if (desk.connected) return;
    const timer = window.setInterval(() => {
      if (document.hidden) return;
      void loadConversation();
      void loadMessages();
    }, PANE_POLL_MS);
    return () => window.clearInterval(timer);
  }, [desk.connected, loadConversation, loadMessages]);

  useDeskEvents((event) => {
    if (event.type === 'conversation.updated' && event.conversation.id === id) setConversation(event.conversation);
    if ((event.type === 'message.created' || event.type === 'message.updated') && event.conversationId === id) {
      pendingMessages.current?.push(event.message);
      setMessages((list) => (list ? upsert(list, event.message) : list));
    }
  });

  const count = messages?.length ?? 0;
  useEffect(() => {
    if (count > 0) endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [count]);

  // When the timeline gets shorter (a notice appears above the composer, e.g. the quota is used up),
  // keep the newest message in view if the agent was reading the end.
  const timelineRef = useRef<HTMLDivElement>(null);
  const hasTimeline = messages !== undefined && conversation !== undefined && conversation !== null;
  useEffect(() => {
    const el = timelineRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let atEnd = true;
    const onScroll = () => {
      atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    };
    const observer = new ResizeObserver(() => {
      if (atEnd) endRef.current?.scrollIntoView?.({ block: 'end' });
    });
    el.addEventListener('scroll', onScroll);
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      observer.disconnect();
    };
  }, [hasTimeline]);

  // Mark read while the assignee is looking at the chat.
  const mine = !!conversation && conversation.state === 'assigned' && conversation.assigneeId === me;
  const unread = conversation?.unreadCount ?? 0;
  useEffect(() => {
    if (!mine || unread === 0 || !conversation) return;
    const markRead = () => {
      if (document.hidden || reading.current) return;
      reading.current = true;
      deskApi.read(id).then(
        () => {
          reading.current = false;
          setConversation((c) => (c && c.id === id ? { ...c, unreadCount: 0 } : c));
          onChangeRef.current({ ...conversation, unreadCount: 0 });
        },
        () => {
          reading.current = false;
        },
      );
    };
    markRead();
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [id, mine, unread, conversation]);

  const act = async (kind: 'claim' | 'transfer' | 'close', run: () => Promise<ConversationView>, done: string) => {
    setBusy(kind);
    try {
      const next = await run();
      setConversation(next);
      onChange(next);
      message.success(done);
      return true;
    } catch (err) {
      // 409s carry the server's reason (e.g. someone else claimed it first).
      message.error(isApiError(err) ? err.localized(lang) : t('desk.action.failed'));
      if (isApiError(err) && err.status === 409) void loadConversation();
      return false;
    } finally {
      setBusy(null);
    }
  };

  const claim = () => act('claim', () => deskApi.claim(id), t('desk.action.claimed'));
  const close = () => act('close', () => deskApi.close(id), t('desk.action.closed'));
  const transfer = async (agent: AgentView) => {
    const ok = await act('transfer', () => deskApi.transfer(id, agent.id), t('desk.action.transferred', { name: agent.displayName || agent.username }));
    if (ok) setTransferOpen(false);
  };

  const onRetry = async (failed: MessageView) => {
    setRetrying(failed.id);
    try {
      const result = await conversationsApi.retry(failed.id);
      setMessages((list) =>
        upsert(list ?? [], result && typeof result === 'object' && 'id' in result ? result : { ...failed, status: 'queued', error: null }),
      );
      message.success(t('conv.retryQueued'));
    } catch (err) {
      message.error(isApiError(err) ? `${t('conv.retryFailed')}: ${err.localized(lang)}` : t('conv.retryFailed'));
    } finally {
      setRetrying(null);
    }
  };

  const agentName = (agentId: string | null): string | null => {
    if (!agentId) return null;
    if (agentId === me) return user?.displayName || user?.username || t('desk.pane.me');
    const agent = desk.agents.find((a) => a.id === agentId);
    return agent ? agent.displayName || agent.username : null;
  };

  if (!conversation) {
    if (convError) {
      return isApiError(convError) && (convError.status === 404 || convError.status === 403) ? (
        <div className="desk__pane-empty">
          <Empty description={t('desk.pane.notFound')} />
        </div>
      ) : (
        <div style={{ padding: 16 }}>
          <LoadError error={convError} onRetry={() => void loadConversation()} />
        </div>
      );
    }
    return (
      <div style={{ padding: 16 }}>
        <Skeleton active paragraph={{ rows: 8 }} />
      </div>
    );
  }

  const c = conversation;
  // 微信客服: a WeCom servicer answers from the WeCom client; the desk is read-only (the API refuses sends).
  const externalServicer = c.externalServicer ?? null;
  const canClaim = !externalServicer && (c.state === 'queued' || c.state === 'bot');
  const canTransfer = !externalServicer && c.state === 'assigned' && (isAdmin || c.assigneeId === me);
  const canClose = c.state !== 'closed' && (isAdmin || c.assigneeId === me || c.state !== 'assigned');
  const assignee = c.assigneeId ? (c.assigneeId === me ? t('desk.pane.me') : (agentName(c.assigneeId) ?? c.assigneeId.slice(0, 8))) : null;

  let blockedReason: string | null = null;
  if (externalServicer) blockedReason = t('kf.external.composer', { name: externalServicer });
  else if (!mine) {
    if (c.state === 'assigned') blockedReason = t('desk.composer.notMine.assigned', { name: assignee ?? '' });
    else blockedReason = t(`desk.composer.notMine.${c.state}`);
  }

  let timeline;
  if (msgError && !messages) timeline = <LoadError error={msgError} onRetry={() => void loadMessages()} />;
  else if (!messages) timeline = <Skeleton active paragraph={{ rows: 6 }} />;
  else if (messages.length === 0) timeline = <Empty description={t('conv.noMessages')} />;
  else {
    const replyKinds = eventReplyKinds(messages);
    timeline = [
      hasOlder && (
        <div key="older" className="desk-chat__older">
          <Button size="small" type="link" loading={loadingOlder} onClick={() => void loadOlder()} data-testid="desk-load-older">
            {t('desk.history.loadEarlier')}
          </Button>
        </div>
      ),
      ...messages.map((m) => (
        <MessageItem
          key={m.id}
          message={m}
          canRetry={isAdmin}
          retrying={retrying === m.id}
          onRetry={(failed) => void onRetry(failed)}
          authorName={agentName(m.authorId)}
          eventReply={replyKinds.get(m.id) ?? null}
          platform={c?.platform}
        />
      )),
    ];
  }

  return (
    <div className={`desk-chat ${profileOpen ? 'desk-chat--with-profile' : ''}`} data-testid="conversation-pane" data-conversation-id={c.id}>
      <div className="desk-chat__main">
        <div className="desk-chat__header">
          <div className="desk-chat__title">
            <span className="desk-chat__name">{contactName(c)}</span>
            <Typography.Text type="secondary" className="mono-small">
              {c.contact.externalId}
            </Typography.Text>
            <Tag>{platformLabel(t, c.platform)}</Tag>
            <Tag color={STATE_COLOR[c.state]} data-testid="conversation-state" data-state={c.state}>
              {t(`conv.state.${c.state}`)}
            </Tag>
            <Typography.Text type="secondary" data-testid="conversation-assignee">
              {t('desk.pane.assignee', { name: assignee ?? t('desk.pane.unassigned') })}
            </Typography.Text>
          </div>
          <Space size={6} wrap>
            {canClaim && (
              <Button type="primary" size="small" icon={<LoginOutlined />} loading={busy === 'claim'} onClick={() => void claim()} data-testid="desk-claim">
                {t('desk.action.claim')}
              </Button>
            )}
            {canTransfer && (
              <Button size="small" icon={<SwapOutlined />} loading={busy === 'transfer'} onClick={() => setTransferOpen(true)} data-testid="desk-transfer">
                {t('desk.action.transfer')}
              </Button>
            )}
            {canClose && (
              <Popconfirm
                title={t('desk.action.closeConfirm')}
                okText={t('desk.action.close')}
                cancelText={t('common.cancel')}
                onConfirm={() => close()}
                okButtonProps={{ 'data-testid': 'desk-close-confirm' }}
              >
                <Button size="small" danger icon={<CheckCircleOutlined />} loading={busy === 'close'} data-testid="desk-close">
                  {t('desk.action.close')}
                </Button>
              </Popconfirm>
            )}
            <Tooltip title={t('desk.action.profile')}>
              <Button
                size="small"
                type={profileOpen ? 'default' : 'text'}
                icon={<IdcardOutlined />}
                aria-label={t('desk.action.profile')}
                aria-pressed={profileOpen}
                onClick={() => setProfileOpen((v) => !v)}
              />
            </Tooltip>
          </Space>
        </div>
        {externalServicer && (
          <Alert type="info" showIcon banner data-testid="kf-external-servicer" title={t('kf.external.banner', { name: externalServicer })} />
        )}
        <div className="timeline" data-testid="timeline" aria-live="polite" ref={timelineRef}>
          {timeline}
          <div ref={endRef} />
        </div>
        <div className="desk-chat__composer">
          <ReplyBox
            key={id}
            conversationId={id}
            blockedReason={blockedReason}
            blockedAction={
              canClaim ? (
                <Button size="small" type="primary" loading={busy === 'claim'} onClick={() => void claim()}>
                  {t('desk.action.claim')}
                </Button>
              ) : undefined
            }
            replyWindow={replyWindow}
            lastInboundAt={c.lastInboundAt}
            onSent={(sent) => {
              setMessages((list) => upsert(list ?? [], sent));
              if (sent.direction === 'out') void loadWindow();
            }}
          />
        </div>
      </div>
      {profileOpen && (
        <aside className="desk-chat__profile" aria-label={t('desk.profile.title')}>
          <ContactPanel key={c.contact.id} contactId={c.contact.id} current={c} />
        </aside>
      )}
      <TransferModal
        open={transferOpen}
        excludeId={c.assigneeId}
        busy={busy === 'transfer'}
        onCancel={() => setTransferOpen(false)}
        onTransfer={(agent) => void transfer(agent)}
      />
    </div>
  );
}
