import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConversationView } from '@imbridge/contracts';
import { useAuth } from '../../auth/hooks/useAuth';
import { deskApi, type DeskView } from '../../desk/api/deskApi';
import { useDesk, useDeskEvents } from '../../desk/hooks/deskContext';
import { applyConversation, applyMessage, belongsTo, sortFor } from '../../desk/utils/deskLists';

/** While the realtime connection is down, the lists are refreshed this often. */
export const LIST_POLL_MS = 5000;

export interface DeskList {
  rows: ConversationView[] | undefined;
  error: unknown;
  reload: () => void;
  /** Apply a conversation the caller changed (claim, close, read) without waiting for the server's event. */
  apply: (conversation: ConversationView) => void;
}

/**
 * One desk tab: loaded from the server (again after every reconnect), then kept current by `desk`
 * events; polled only while the realtime connection is down.
 */
export function useDeskList(view: DeskView, enabled: boolean, openId: string | undefined): DeskList {
  const { user } = useAuth();
  const { connected, epoch } = useDesk();
  const me = user?.id;
  const [rows, setRows] = useState<ConversationView[] | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  // Updates that arrive while a load is in flight are replayed on its result (it may predate them).
  const pending = useRef<ConversationView[] | null>(null);

  const load = useCallback(
    (signal?: AbortSignal) => {
      pending.current = [];
      return deskApi.list(view, signal).then(
        (list) => {
          if (signal?.aborted) return;
          // The same membership rule as live updates, so a row never flips on the next event.
          let next = sortFor(view, list.filter((c) => belongsTo(view, c, me)));
          for (const c of pending.current ?? []) next = applyConversation(view, next, c, me);
          pending.current = null;
          setRows(next);
          setError(null);
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          pending.current = null;
          setError(err);
        },
      );
    },
    [view, me],
  );

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [enabled, load, epoch, generation]);

  useEffect(() => {
    if (!enabled || connected) return;
    const timer = window.setInterval(() => {
      if (!document.hidden) void load();
    }, LIST_POLL_MS);
    return () => window.clearInterval(timer);
  }, [enabled, connected, load]);

  useDeskEvents((event) => {
    if (!enabled) return;
    if (event.type === 'conversation.updated') {
      pending.current?.push(event.conversation);
      setRows((current) => current && applyConversation(view, current, event.conversation, me));
    }
    if (event.type === 'message.created')
      setRows((current) => current && applyMessage(current, event.conversationId, event.message, event.conversationId !== openId));
  });

  const apply = useCallback((c: ConversationView) => setRows((current) => current && applyConversation(view, current, c, me)), [view, me]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { rows: enabled ? rows : undefined, error, reload, apply };
}
