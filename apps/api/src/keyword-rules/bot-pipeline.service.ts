import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';
import { BotReplyEntity } from '@imbridge/persistence';
import { OutboundService } from '../outbound/outbound.service';
import { KeywordRulesService } from './keyword-rules.service';

export interface InboundContext {
  conversationId: string;
  integrationId: string;
  /** The inbox event the message came from: the key of the once-only guard. */
  inboxEventId: string;
}

/**
 * The bot's answer to a stored inbound message of a conversation in state 'bot'. Called by the inbox
 * after the event's transaction committed, inside the per-conversation lock, so replies keep the
 * order of the messages they answer. Steps: keyword rules (later issues add FAQ, LLM and handoff).
 *
 * Exactly once: a `bot_replies` row keyed by the inbox event id is claimed in the same transaction
 * that writes the reply, so a second run for the same event finds the claim and sends nothing, and a
 * crash never leaves a claim without its reply.
 */
@Injectable()
export class BotPipeline {
  private readonly logger = new Logger('BotPipeline');

  constructor(
    private readonly ds: DataSource,
    private readonly keywordRules: KeywordRulesService,
    private readonly outbound: OutboundService,
  ) {}

  async onInbound(message: InboundMessage, ctx: InboundContext): Promise<void> {
    if (message.type !== 'text' || !message.text) return;
    const { rule, keyword } = await this.keywordRules.match(ctx.integrationId, message.text);
    if (!rule) return;
    // The claim, the reply's rows and the link between them commit together: a crash leaves either
    // nothing (the event is answered when re-processed) or a queued reply (the sweeper sends it).
    const created = await this.ds.transaction(async (m) => {
      const claimed = await m
        .createQueryBuilder()
        .insert()
        .into(BotReplyEntity)
        .values({ inboxEventId: ctx.inboxEventId, conversationId: ctx.conversationId, source: 'keyword', ruleId: rule.id, messageId: null })
        .orIgnore()
        .returning(['inboxEventId'])
        .execute();
      if (claimed.raw.length === 0) return null;
      const rows = await this.outbound.createInTransaction(m, ctx.conversationId, rule.reply, null);
      await m.update(BotReplyEntity, { inboxEventId: ctx.inboxEventId }, { messageId: rows.msg.id });
      return rows;
    });
    if (!created) {
      this.logger.warn(`inbox event ${ctx.inboxEventId} already answered; not replying again`);
      return;
    }
    await this.outbound.dispatch({ conversationId: ctx.conversationId, outboundId: created.outbound.id });
    this.logger.log(`keyword rule ${rule.id} ('${keyword}') answered inbox event ${ctx.inboxEventId}`);
  }
}
