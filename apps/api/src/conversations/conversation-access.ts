import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SessionUser } from '../auth/auth.decorators';
import { notFound } from '../common/api-error';
import { isUuid } from '../common/ids';

/**
 * Who may see a conversation (and everything hanging off it: messages, notes, the contact, media, the
 * reply window, a platform session): administrators any, and agents granted it (seesAllChats); an agent every chat no other agent holds —
 * their own, the queue, chats with the bot (an agent may take one over) or with a platform servicer —
 * and never one assigned to another agent (a closed chat stays with its last assignee). The agents'
 * list shows the queue and their own; the socket rooms (desk-rooms.ts) are narrower still. Everything
 * else answers 404 (a claim 403 NOT_YOUR_CHAT), so an id reveals nothing. Writes have stricter rules on
 * top (reply only to one's own chat …).
 */
export const VISIBLE_TO_AGENT_SQL = (alias: string, userParam: string): string => `(${alias}.assignee_id IS NULL OR ${alias}.assignee_id = ${userParam})`;

/**
 * Who sees every chat: administrators, and agents an administrator granted it (`users.can_view_all_chats`,
 * read on every request, so a revoked grant ends at once). Reads only: writes keep their own rules.
 */
export function seesAllChats(user: SessionUser): boolean {
  return user.role === 'admin' || user.viewAllChats === true;
}

@Injectable()
export class ConversationAccess {
  constructor(private readonly ds: DataSource) {}

  /** 404 unless the conversation exists and `user` may see it. */
  async assertVisible(user: SessionUser, conversationId: string): Promise<void> {
    if (!(await this.visible(user, conversationId))) throw notFound('conversation', '会话');
  }

  async visible(user: SessionUser, conversationId: string): Promise<boolean> {
    if (!isUuid(conversationId)) return false;
    const rows: unknown[] =
      seesAllChats(user)
        ? await this.ds.query('SELECT 1 FROM conversations WHERE id = $1', [conversationId])
        : await this.ds.query(`SELECT 1 FROM conversations c WHERE c.id = $1 AND ${VISIBLE_TO_AGENT_SQL('c', '$2')}`, [conversationId, user.id]);
    return rows.length > 0;
  }

  /** A contact is visible with any visible conversation of it. */
  async contactVisible(user: SessionUser, contactId: string): Promise<boolean> {
    if (seesAllChats(user)) return true;
    const rows: unknown[] = await this.ds.query(`SELECT 1 FROM conversations c WHERE c.contact_id = $1 AND ${VISIBLE_TO_AGENT_SQL('c', '$2')} LIMIT 1`, [contactId, user.id]);
    return rows.length > 0;
  }

  /**
   * A media file: one the user uploaded, or one a message of a conversation they may see carries
   * (inbound media, and an image another agent uploaded and sent in a chat transferred since).
   */
  async mediaVisible(user: SessionUser, file: { id: string; messageId: string | null; uploadedBy: string | null }): Promise<boolean> {
    if (seesAllChats(user) || file.uploadedBy === user.id) return true;
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE (m.id = $1 OR (m.content ? 'mediaFileId' AND m.content->>'mediaFileId' = $2)) AND ${VISIBLE_TO_AGENT_SQL('c', '$3')} LIMIT 1`,
      [file.messageId, file.id, user.id],
    );
    return rows.length > 0;
  }
}
