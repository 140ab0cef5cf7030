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
 * Exactly once: a `bot_replies` row keyed by the inbox event id is claimed before the reply is
 * queued, so a second run for the same event (a re-processed job) finds the claim and sends nothing.
 * The claim and OutboundService's own transaction are separate: a crash between them leaves a claim
 * without `message_id` and no reply (at most once, never twice).
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
    const claimed = await this.ds
      .createQueryBuilder()
      .insert()
      .into(BotReplyEntity)
      .values({ inboxEventId: ctx.inboxEventId, conversationId: ctx.conversationId, source: 'keyword', ruleId: rule.id, messageId: null })
      .orIgnore()
      .returning(['inboxEventId'])
      .execute();
    if (claimed.raw.length === 0) {
      this.logger.warn(`inbox event ${ctx.inboxEventId} already answered; not replying again`);
      return;
    }
    const sent = await this.outbound.enqueue(ctx.conversationId, rule.reply, null);
    await this.ds.getRepository(BotReplyEntity).update({ inboxEventId: ctx.inboxEventId }, { messageId: sent.id });
    this.logger.log(`keyword rule ${rule.id} ('${keyword}') answered inbox event ${ctx.inboxEventId}`);
  }
}
