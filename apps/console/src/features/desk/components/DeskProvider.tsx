import { useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { AgentView, ConversationView, DeskEvent } from '@imbridge/contracts';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { deskApi } from '../api/deskApi';
import { DeskContext, type ChosenPresence, type DeskContextValue } from '../hooks/deskContext';
import { DeskTransportContext } from '../hooks/deskTransport';
import { previewOf } from '../utils/deskLists';
import { armOnFirstGesture, beep, desktopNotify } from '../utils/notify';
import { contactName } from '../utils/contactName';

/** A chat that entered the queue longer ago than this is old news when we first hear of it. */
const FRESH_QUEUE_MS = 2 * 60 * 1000;

/**
 * One realtime connection per signed-in session (mounted inside RequireAuth): connection state,
 * event fan-out, agents and presence, the unread total and the sound/desktop alerts.
 */
export function DeskProvider({ children }: { children: ReactNode }) {
  const transport = useContext(DeskTransportContext);
  const { user } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const me = user?.id;

  const [connected, setConnected] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [presence, setPresenceState] = useState<ChosenPresence>('online');
  const [mineUnread, setMineUnread] = useState<Map<string, number>>(new Map());

  const listeners = useRef(new Set<(event: DeskEvent) => void>());
  const known = useRef(new Map<string, ConversationView>());
  const tRef = useRef(t);
  tRef.current = t;
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

  const subscribe = useCallback((listener: (event: DeskEvent) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  useEffect(() => armOnFirstGesture(), []);

  useEffect(() => {
    if (!me) return;
    let disposed = false;
    const seen = known.current;

    const remember = (c: ConversationView) => {
      seen.set(c.id, c);
      setMineUnread((current) => {
        const next = new Map(current);
        if (c.state === 'assigned' && c.assigneeId === me) next.set(c.id, c.unreadCount);
        else next.delete(c.id);
        return next;
      });
    };

    const alert = (title: string, body: string, conversationId: string) => {
      beep();
      desktopNotify(title, body, conversationId, () => navigateRef.current(`/conversations/${encodeURIComponent(conversationId)}`));
    };

    const nameOf = (c: ConversationView | undefined) => (c ? contactName(c) : '');

    const onConversation = (c: ConversationView) => {
      const before = seen.get(c.id);
      remember(c);
      if (c.state !== 'queued') return;
      const entered = before
        ? before.state !== 'queued' || before.queuedAt !== c.queuedAt
        : !!c.queuedAt && Date.now() - Date.parse(c.queuedAt) < FRESH_QUEUE_MS;
      if (entered) alert(tRef.current('desk.notify.queued'), nameOf(c), c.id);
    };

    const onInbound = async (conversationId: string, text: string) => {
      let c = seen.get(conversationId);
      if (!c) {
        try {
          c = await deskApi.conversation(conversationId);
          if (disposed) return;
          seen.set(c.id, c);
        } catch {
          return;
        }
      }
      if (c.state === 'assigned' && c.assigneeId === me) alert(tRef.current('desk.notify.message', { name: nameOf(c) }), text, conversationId);
    };

    const refresh = async () => {
      try {
        const [list, agentList] = await Promise.all([deskApi.list('mine'), deskApi.agents()]);
        if (disposed) return;
        list.forEach((c) => seen.set(c.id, c));
        setMineUnread(new Map(list.filter((c) => c.state === 'assigned' && c.assigneeId === me).map((c) => [c.id, c.unreadCount])));
        setAgents(agentList);
        const self = agentList.find((a) => a.id === me);
        if (self && self.status !== 'offline') setPresenceState(self.status);
      } catch {
        // The header keeps its last figures; the next reconnect tries again.
      }
    };

    const connection = transport();
    connection.onConnect(() => {
      if (disposed) return;
      setConnected(true);
      setEpoch((n) => n + 1);
      void refresh();
    });
    connection.onDisconnect(() => {
      if (!disposed) setConnected(false);
    });
    connection.onEvent((event) => {
      if (disposed) return;
      switch (event.type) {
        case 'conversation.updated':
          onConversation(event.conversation);
          break;
        case 'message.created':
          if (event.message.direction === 'in') void onInbound(event.conversationId, previewOf(event.message));
          break;
        case 'message.updated':
          break;
        case 'presence.updated':
          setAgents((current) => {
            const rest = current.filter((a) => a.id !== event.agent.id);
            return [...rest, event.agent];
          });
          if (event.agent.id === me && event.agent.status !== 'offline') setPresenceState(event.agent.status);
          break;
      }
      listeners.current.forEach((listener) => listener(event));
    });
    return () => {
      disposed = true;
      connection.close();
      seen.clear();
      setConnected(false);
    };
  }, [transport, me]);

  const setPresence = useCallback(async (status: ChosenPresence) => {
    const previous = presence;
    setPresenceState(status);
    try {
      const self = await deskApi.setPresence(status);
      if (self && typeof self === 'object' && 'id' in self) setAgents((current) => [...current.filter((a) => a.id !== self.id), self]);
    } catch (err) {
      setPresenceState(previous);
      throw err;
    }
  }, [presence]);

  const unreadTotal = useMemo(() => [...mineUnread.values()].reduce((sum, n) => sum + n, 0), [mineUnread]);

  const value = useMemo<DeskContextValue>(
    () => ({ active: true, connected, epoch, subscribe, presence, setPresence, agents, unreadTotal }),
    [connected, epoch, subscribe, presence, setPresence, agents, unreadTotal],
  );

  return <DeskContext.Provider value={value}>{children}</DeskContext.Provider>;
}
