import type { ConversationState, ConversationView } from '@imbridge/contracts';

/** Columns of a conversation with its contact and platform, as `conversationView` reads them. */
export const CONVERSATION_SELECT = `SELECT c.id, c.integration_id, i.platform, c.state, c.contact_id, ct.external_id, ct.display_name, c.assignee_id,
              c.last_message_at, c.last_message_preview, c.created_at, c.unread_count, c.queued_at, c.last_inbound_at, c.external_servicer
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id JOIN integrations i ON i.id = c.integration_id`;

export interface ConversationRow {
  id: string;
  integration_id: string;
  platform: ConversationView['platform'];
  state: ConversationState;
  contact_id: string;
  external_id: string;
  display_name: string | null;
  assignee_id: string | null;
  last_message_at: Date | null;
  last_message_preview: string | null;
  created_at: Date;
  unread_count: number;
  queued_at: Date | null;
  last_inbound_at: Date | null;
  external_servicer: string | null;
}

export function conversationView(r: ConversationRow): ConversationView {
  return {
    id: r.id,
    integrationId: r.integration_id,
    platform: r.platform,
    state: r.state,
    contact: { id: r.contact_id, externalId: r.external_id, displayName: r.display_name },
    assigneeId: r.assignee_id,
    lastMessageAt: r.last_message_at ? new Date(r.last_message_at).toISOString() : null,
    lastMessagePreview: r.last_message_preview,
    createdAt: new Date(r.created_at).toISOString(),
    unreadCount: r.unread_count,
    queuedAt: r.queued_at ? new Date(r.queued_at).toISOString() : null,
    lastInboundAt: r.last_inbound_at ? new Date(r.last_inbound_at).toISOString() : null,
    externalServicer: r.external_servicer ?? null,
  };
}
