import type { ConversationState } from '@imbridge/contracts';

/**
 * socket.io rooms of the desk. Every socket joins its user's room and its role's room on connect;
 * events are addressed to rooms, so the same routing works for an emitter in any process.
 */
export const ADMINS_ROOM = 'role:admin';
export const AGENTS_ROOM = 'role:agent';
/** Agents an administrator allowed to see every chat: they hear of every chat, like admins. */
export const VIEW_ALL_ROOM = 'view:all-chats';
export const userRoom = (userId: string): string => `user:${userId}`;
/** Every socket of one login session (closed together on logout). */
export const sessionRoom = (jti: string): string => `session:${jti}`;

export interface RoutedConversation {
  state: ConversationState;
  assigneeId: string | null;
}

export interface ConversationChange {
  /** The assignee before the change: they get the update that takes the chat away from them. */
  previousAssigneeId?: string | null;
  /** The state before the change: a chat leaving the queue is news for every agent's queue view. */
  previousState?: ConversationState | null;
}

/**
 * conversation.updated: admins and agents granted every chat always; every agent while the chat is (or just stopped being) queued;
 * the assignee (also of a closed chat, whose assignee is kept) and the previous assignee.
 */
export function conversationRooms(c: RoutedConversation, change: ConversationChange = {}): string[] {
  const rooms = new Set<string>([ADMINS_ROOM, VIEW_ALL_ROOM]);
  if (c.state === 'queued' || change.previousState === 'queued') rooms.add(AGENTS_ROOM);
  if (c.assigneeId && (c.state === 'assigned' || c.state === 'closed')) rooms.add(userRoom(c.assigneeId));
  if (change.previousAssigneeId) rooms.add(userRoom(change.previousAssigneeId));
  return [...rooms];
}

/**
 * message.created / message.updated: admins and agents granted every chat; every agent for a queued chat; the assignee of an
 * assigned one, and of a closed one (the agent who closed it still has it open: a platform's end
 * message and the delivery status of their last replies arrive after the close).
 */
export function messageRooms(c: RoutedConversation): string[] {
  const rooms = [ADMINS_ROOM, VIEW_ALL_ROOM];
  if (c.state === 'queued') rooms.push(AGENTS_ROOM);
  if ((c.state === 'assigned' || c.state === 'closed') && c.assigneeId) rooms.push(userRoom(c.assigneeId));
  return rooms;
}

/** presence.updated: everyone on the desk. */
export const PRESENCE_ROOMS = [ADMINS_ROOM, AGENTS_ROOM];
