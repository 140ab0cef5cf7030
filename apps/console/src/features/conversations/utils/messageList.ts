import type { MessageView } from '@imbridge/contracts';

export function byTime(a: MessageView, b: MessageView): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

/** How far a message got; events from the API and the worker may arrive in either order. */
const PROGRESS: Partial<Record<MessageView['status'], number>> = { queued: 0, sending: 1, held: 2, sent: 3 };

/**
 * Adds or replaces a message. A stale copy (an earlier status read before a later one arrived) does
 * not move a message back, e.g. from held or sent to queued; failed ↔ queued (a retry) always applies.
 */
export function upsert(list: MessageView[], next: MessageView): MessageView[] {
  const current = list.find((m) => m.id === next.id);
  const was = current ? PROGRESS[current.status] : undefined;
  const now = PROGRESS[next.status];
  if (current && was !== undefined && now !== undefined && now < was) return list;
  return [...list.filter((m) => m.id !== next.id), next].sort(byTime);
}

