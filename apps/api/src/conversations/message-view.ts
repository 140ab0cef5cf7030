import type { MessageView } from '@imbridge/contracts';
import type { MessageEntity } from '@imbridge/persistence';

/** What the API and the desk's events show of a message row. */
export function messageView(m: MessageEntity): MessageView {
  return {
    id: m.id,
    conversationId: m.conversationId,
    direction: m.direction,
    type: m.type,
    text: m.text,
    content: m.content,
    status: m.status,
    error: m.error,
    createdAt: new Date(m.createdAt).toISOString(),
    sentAt: m.sentAt ? new Date(m.sentAt).toISOString() : null,
    authorId: m.authorId,
  };
}
