import type { ConversationView, MessageView } from '@imbridge/contracts';
import type { DeskView } from '../api/deskApi';

/** Whether a conversation belongs in a desk tab, as the server defines the views. */
export function belongsTo(view: DeskView, c: ConversationView, me: string | undefined): boolean {
  switch (view) {
    case 'queue':
      return c.state === 'queued';
    case 'mine':
      return c.state === 'assigned' && !!me && c.assigneeId === me;
    case 'all':
      return true;
  }
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) || 0 : 0);

/** Queue: longest waiting first; other tabs: latest activity first. */
export function sortFor(view: DeskView, rows: ConversationView[]): ConversationView[] {
  const copy = [...rows];
  if (view === 'queue') copy.sort((a, b) => time(a.queuedAt ?? a.createdAt) - time(b.queuedAt ?? b.createdAt));
  else copy.sort((a, b) => time(b.lastMessageAt ?? b.createdAt) - time(a.lastMessageAt ?? a.createdAt));
  return copy;
}

/** The tab's rows after the server said this conversation changed: moved in, updated, or out. */
export function applyConversation(view: DeskView, rows: ConversationView[], c: ConversationView, me: string | undefined): ConversationView[] {
  const rest = rows.filter((r) => r.id !== c.id);
  return belongsTo(view, c, me) ? sortFor(view, [...rest, c]) : rest;
}

/** What the list shows as the last message of a chat. */
export function previewOf(message: MessageView): string {
  if (message.text) return message.text.slice(0, 200);
  return `[${message.type}]`;
}

/**
 * A new message of a chat that is not open: new preview and, for the customer's messages in a queued or
 * assigned chat (as the server counts), one more unread — unless the row already reflects it (the server's conversation
 * update may arrive first).
 */
export function applyMessage(rows: ConversationView[], conversationId: string, message: MessageView, countUnread = true): ConversationView[] {
  let changed = false;
  const next = rows.map((r) => {
    if (r.id !== conversationId || message.direction === 'note') return r;
    if (time(r.lastMessageAt) >= time(message.createdAt)) return r;
    changed = true;
    const unread = countUnread && message.direction === 'in' && (r.state === 'assigned' || r.state === 'queued') ? r.unreadCount + 1 : r.unreadCount;
    return {
      ...r,
      unreadCount: unread,
      lastMessageAt: message.createdAt,
      lastMessagePreview: previewOf(message),
      lastInboundAt: message.direction === 'in' ? message.createdAt : r.lastInboundAt,
    };
  });
  return changed ? next : rows;
}
