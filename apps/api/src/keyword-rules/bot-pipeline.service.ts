import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';
import { BotReplyEntity } from '@imbridge/persistence';
import { ConversationStateService } from '../conversations/conversation-state.service';
import { OutboundService } from '../outbound/outbound.service';
import { HANDOFF_ACK, matchHandoff } from './handoff';
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
 * order of the messages they answer. Steps: handoff (the customer asks for a person: the chat goes to
 * the agents' queue with one acknowledgement), then keyword rules (later issues add FAQ and LLM).
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
    private readonly states: ConversationStateService,
  ) {}

  async onInbound(message: InboundMessage, ctx: InboundContext): Promise<void> {
    if (message.type !== 'text' || !message.text) return;
    const handoffKeyword = matchHandoff(message.text);
    if (handoffKeyword !== null) {
      await this.handoff(ctx, handoffKeyword);
      return;
    }
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

  /**
   * bot → queued and the acknowledgement, under the same once-only claim as keyword replies: the
   * claim, the state change, its audit row and the reply commit together. When the chat has already
   * left the bot (an agent claimed it meanwhile), the claim stays and nothing is sent.
   */
  private async handoff(ctx: InboundContext, keyword: string): Promise<void> {
    const created = await this.ds.transaction(async (m) => {
      const claimed = await m
        .createQueryBuilder()
        .insert()
        .into(BotReplyEntity)
        .values({ inboxEventId: ctx.inboxEventId, conversationId: ctx.conversationId, source: 'handoff', ruleId: null, messageId: null })
        .orIgnore()
        .returning(['inboxEventId'])
        .execute();
      if (claimed.raw.length === 0) return 'answered' as const;
      const moved = await this.states.handoff(m, ctx.conversationId, { trigger: 'keyword', keyword, inboxEventId: ctx.inboxEventId });
      if (!moved) return 'not-bot' as const;
      const rows = await this.outbound.createInTransaction(m, ctx.conversationId, { type: 'text', text: HANDOFF_ACK }, null);
      await m.update(BotReplyEntity, { inboxEventId: ctx.inboxEventId }, { messageId: rows.msg.id });
      return rows;
    });
    if (created === 'answered') {
      this.logger.warn(`inbox event ${ctx.inboxEventId} already answered; not replying again`);
      return;
    }
    if (created === 'not-bot') {
      this.logger.log(`handoff ('${keyword}') for inbox event ${ctx.inboxEventId}: conversation no longer with the bot`);
      return;
    }
    await this.outbound.dispatch({ conversationId: ctx.conversationId, outboundId: created.outbound.id });
    this.logger.log(`handoff ('${keyword}') queued conversation ${ctx.conversationId} for an agent (inbox event ${ctx.inboxEventId})`);
  }
}
