import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import type { ContactProfileView } from '@imbridge/contracts';
import { notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { CurrentUser, type SessionUser } from '../auth/auth.decorators';
import { ConversationAccess, seesAllChats, VISIBLE_TO_AGENT_SQL } from '../conversations/conversation-access';
import { CONVERSATION_SELECT, type ConversationRow, conversationView } from '../conversations/conversation-view';

@ApiTags('desk')
@ApiBearerAuth()
@Controller('api/contacts')
export class ContactsController {
  constructor(
    private readonly ds: DataSource,
    private readonly access: ConversationAccess,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: "The customer's profile: every conversation of the same external id on any integration, and message counts" })
  async profile(@Param('id') id: string, @CurrentUser() user: SessionUser): Promise<ContactProfileView> {
    if (!isUuid(id) || !(await this.access.contactVisible(user, id))) throw notFound('contact', '联系人');
    // Agents see the conversations (and counts) they may see; administrators all.
    const agent = !seesAllChats(user);
    const rows: { id: string; integration_id: string; external_id: string; display_name: string | null; first_seen_at: Date }[] = await this.ds.query(
      `SELECT ct.id, ct.integration_id, ct.external_id, ct.display_name,
              (SELECT min(x.created_at) FROM contacts x WHERE x.external_id = ct.external_id) AS first_seen_at
       FROM contacts ct WHERE ct.id = $1`,
      [id],
    );
    const contact = rows[0];
    if (!contact) throw notFound('contact', '联系人');
    const conversations: ConversationRow[] = await this.ds.query(
      `${CONVERSATION_SELECT} WHERE ct.external_id = $1 AND (NOT $2 OR ${VISIBLE_TO_AGENT_SQL('c', '$3')}) ORDER BY c.last_message_at DESC NULLS LAST, c.created_at DESC LIMIT 100`,
      [contact.external_id, agent, user.id],
    );
    const counts: { n: number; inbound: number }[] = await this.ds.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE m.direction = 'in')::int AS inbound
       FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
       WHERE ct.external_id = $1 AND m.direction IN ('in', 'out') AND (NOT $2 OR ${VISIBLE_TO_AGENT_SQL('c', '$3')})`,
      [contact.external_id, agent, user.id],
    );
    return {
      id: contact.id,
      integrationId: contact.integration_id,
      externalId: contact.external_id,
      displayName: contact.display_name,
      firstSeenAt: new Date(contact.first_seen_at).toISOString(),
      messageCount: counts[0]?.n ?? 0,
      inboundMessageCount: counts[0]?.inbound ?? 0,
      conversations: conversations.map(conversationView),
    };
  }
}
