import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BotStepKind, InboundMessage, OutgoingMessage } from '@imbridge/contracts';
import { answerToOutgoing } from '@imbridge/platform-core';
import type { MessageEntity, OutboundMessageEntity } from '@imbridge/persistence';
import { ConversationStateService, type TransitionResult } from '../conversations/conversation-state.service';
import { FaqService } from '../faq/faq.service';
import { HANDOFF_ACK, matchHandoff } from '../keyword-rules/handoff';
import { normalizeForMatch } from '../keyword-rules/keyword-matcher';
import { KeywordRulesService } from '../keyword-rules/keyword-rules.service';
import { OutboundService } from '../outbound/outbound.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { countEvent } from '../metrics/process-stats';
import { type BotRuntimeSettings, BotSettingsService } from './bot-settings.service';
import type { AppError } from './external-app.types';
import { ExternalAppService } from './external-app.service';
import { FaqSuggestionsStore } from './faq-suggestions.store';

export interface InboundContext {
  conversationId: string;
  integrationId: string;
  /** The inbox event the message came from: the key of the once-only guard. */
  inboxEventId: string;
}

/** Which step produced the bot's reply (also `bot_replies.source`). */
export type AnsweredBy = BotStepKind | 'fallback' | 'handoff';

/** What the steps decided, before anything is written: the slow work (the app call) is done. */
export interface BotDecision {
  /** null: no step answered (fallback or, after N failures, handoff — decided in the transaction). */
  answeredBy: BotStepKind | 'handoff' | null;
  messages: OutgoingMessage[];
  /** The keyword rule or FAQ entry that answered. */
  ruleId: string | null;
  /** Hand the chat to agents (after sending `messages`). */
  handoff: { trigger: 'keyword' | 'app'; keyword?: string } | null;
  /** "Did you mean": the entries offered, remembered for a reply of "1", "2", … */
  suggestions: { id: string; question: string }[] | null;
  /** The external app was asked and failed. */
  error: AppError | null;
}

export interface BotTestResult {
  answeredBy: AnsweredBy | null;
  messages: OutgoingMessage[];
  suggestions?: string[];
  error?: AppError;
  ms: number;
}

const MAX_SUGGESTIONS = 3;

export const suggestionsText = (questions: string[]): string => `您是不是想问：\n${questions.map((q, i) => `${i + 1}. ${q}`).join('\n')}`;

/** A reply of just a number picks a suggestion ("1", "１", " 2 "). */
const selectionOf = (text: string): number | null => {
  const m = /^([1-9])$/.exec(normalizeForMatch(text));
  return m ? Number(m[1]) : null;
};

const textMessage = (text: string): OutgoingMessage => ({ type: 'text', text });

/**
 * The bot's answer to a stored inbound message of a conversation in state 'bot'. Called by the inbox
 * after the event's transaction committed, inside the per-conversation lock, so replies keep the
 * order of the messages they answer. Steps: the customer's handoff keywords; then keyword rules, FAQ
 * and the external app in the integration's order (first answer wins); then the fallback text, or a
 * handoff after N unanswered messages in a row. See README.md in this folder.
 *
 * Exactly once: the slow part (the app call) runs first; then a `bot_replies` row keyed by the inbox
 * event id is claimed in the same transaction that writes the reply rows, the failure counter and any
 * state change, so a second run for the same event finds the claim and sends nothing, and a crash
 * never leaves a claim without its reply.
 */
@Injectable()
export class BotPipeline {
  private readonly logger = new Logger('BotPipeline');

  constructor(
    private readonly ds: DataSource,
    private readonly keywordRules: KeywordRulesService,
    private readonly outbound: OutboundService,
    private readonly states: ConversationStateService,
    private readonly settings: BotSettingsService,
    private readonly faq: FaqService,
    private readonly apps: ExternalAppService,
    private readonly suggestionsStore: FaqSuggestionsStore,
    private readonly notifier: DeskNotifier,
  ) {}

  /**
   * Decides and commits. True when the decision committed in the same transaction as the inbox
   * event's move from 'deciding' to 'processed' (the caller has nothing left to record); false when
   * there was nothing to decide or it was decided before (the caller settles the event).
   */
  async onInbound(message: InboundMessage, ctx: InboundContext): Promise<boolean> {
    // Text, and a voice message the platform transcribed (speech recognition on the platform).
    if ((message.type !== 'text' && message.type !== 'voice') || !message.text) return false;
    const settings = await this.settings.runtime(ctx.integrationId);
    const decision = await this.decide(settings, message.text, { ...ctx, sentAt: message.sentAt });
    return this.commit(settings, decision, ctx);
  }

  /** POST /api/integrations/:id/bot/test: what the bot would answer; nothing is sent or stored. */
  async dryRun(integrationId: string, text: string): Promise<BotTestResult> {
    const started = Date.now();
    const settings = await this.settings.runtime(integrationId);
    const d = await this.decide(settings, text, { integrationId, conversationId: null, inboxEventId: null, sentAt: new Date().toISOString() });
    let answeredBy: AnsweredBy | null = d.answeredBy;
    let messages = d.messages;
    if (d.handoff) messages = [...messages, textMessage(HANDOFF_ACK)];
    else if (answeredBy === null && settings.fallbackText) {
      answeredBy = 'fallback';
      messages = [textMessage(settings.fallbackText)];
    }
    return {
      answeredBy: d.handoff ? 'handoff' : answeredBy,
      messages,
      ...(d.suggestions ? { suggestions: d.suggestions.map((s) => s.question) } : {}),
      ...(d.error ? { error: d.error } : {}),
      ms: Date.now() - started,
    };
  }

  /** Runs the steps; reads only (the app call included). `conversationId` null: a dry run. */
  async decide(
    s: BotRuntimeSettings,
    text: string,
    ctx: { integrationId: string; conversationId: string | null; inboxEventId: string | null; sentAt: string },
  ): Promise<BotDecision> {
    const none: BotDecision = { answeredBy: null, messages: [], ruleId: null, handoff: null, suggestions: null, error: null };
    const keyword = matchHandoff(text, s.handoffKeywords);
    if (keyword !== null) return { ...none, answeredBy: 'handoff', handoff: { trigger: 'keyword', keyword } };

    const enabled = s.steps.filter((st) => st.enabled).map((st) => st.step);
    const picked = enabled.includes('faq') && ctx.conversationId ? await this.pickedSuggestion(ctx.conversationId, text) : null;
    if (picked) return { ...none, answeredBy: 'faq', ruleId: picked.id, messages: answerToOutgoing({ text: picked.answer }) };

    let error: AppError | null = null;
    for (const step of enabled) {
      if (step === 'keyword') {
        const { rule } = await this.keywordRules.match(ctx.integrationId, text);
        if (rule) return { ...none, answeredBy: 'keyword', ruleId: rule.id, messages: [rule.reply as OutgoingMessage] };
      } else if (step === 'faq') {
        const found = await this.faq.match(ctx.integrationId, text, s.faqThreshold);
        if (found.entry) return { ...none, answeredBy: 'faq', ruleId: found.entry.id, messages: answerToOutgoing({ text: found.entry.answer }) };
        if (s.faqSuggestions && found.suggestions.length > 0) {
          const offered = found.suggestions.slice(0, MAX_SUGGESTIONS).map((x) => ({ id: x.id, question: x.question }));
          // Plain text on purpose: "1. …" would otherwise be taken for a markdown list.
          return { ...none, answeredBy: 'faq', suggestions: offered, messages: [textMessage(suggestionsText(offered.map((o) => o.question)))] };
        }
      } else if (step === 'app' && s.externalApp) {
        const contact = ctx.conversationId ? await this.contactOf(ctx.conversationId) : { externalId: 'console-test', displayName: null };
        const history = ctx.conversationId ? await this.apps.history(ctx.conversationId, s.externalApp.historyMessages, ctx.inboxEventId) : [];
        const result = await this.apps.ask({
          config: s.externalApp,
          secret: s.appSecret,
          integrationId: ctx.integrationId,
          conversationId: ctx.conversationId,
          contact,
          message: { type: 'text', text, sentAt: ctx.sentAt },
          history,
        });
        if (result.ok) {
          const messages = answerToOutgoing(result.answer);
          if (result.handoff) return { ...none, answeredBy: 'app', messages, handoff: { trigger: 'app' } };
          if (messages.length > 0) return { ...none, answeredBy: 'app', messages };
        } else {
          error = result.error;
        }
      }
    }
    return { ...none, error };
  }

  /**
   * Whether `decide` runs without leaving the process (no external app is asked), so that a batch
   * of messages can be decided and committed together (InboxBatch).
   */
  decidesLocally(s: BotRuntimeSettings): boolean {
    return !s.steps.some((st) => st.enabled && st.step === 'app' && s.externalApp);
  }

  /**
   * What `commit` would write for a decision in a chat with the bot whose failure counter is
   * `botFailures`, for the common outcomes only: an answer, the fallback text, or silence. Null for a
   * handoff (a state change with its audit row) or "did you mean" suggestions (remembered in Redis):
   * those go through onInbound.
   */
  plan(s: BotRuntimeSettings, d: BotDecision, botFailures: number): { source: AnsweredBy | 'none'; messages: OutgoingMessage[]; failures: number } | null {
    if (d.handoff || d.suggestions) return null;
    if (d.answeredBy !== null) return { source: d.answeredBy, messages: d.messages, failures: 0 };
    const failures = botFailures + 1;
    if (s.handoffAfterFailures > 0 && failures >= s.handoffAfterFailures) return null;
    if (s.fallbackText) return { source: 'fallback', messages: [textMessage(s.fallbackText)], failures };
    return { source: 'none', messages: [], failures };
  }

  private async pickedSuggestion(conversationId: string, text: string): Promise<{ id: string; answer: string } | null> {
    const n = selectionOf(text);
    if (n === null) return null;
    const ids = await this.suggestionsStore.recall(conversationId);
    const id = ids[n - 1];
    if (!id) return null;
    const rows: { id: string; answer: string }[] = await this.ds.query('SELECT id, answer FROM faq_entries WHERE id = $1 AND enabled = true', [id]);
    return rows[0] ?? null;
  }

  private async contactOf(conversationId: string): Promise<{ externalId: string; displayName: string | null }> {
    const rows: { external_id: string; display_name: string | null }[] = await this.ds.query(
      'SELECT ct.external_id, ct.display_name FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1',
      [conversationId],
    );
    return { externalId: rows[0]?.external_id ?? '', displayName: rows[0]?.display_name ?? null };
  }

  /**
   * The claim, the failure counter, any handoff (with its audit row) and the reply rows commit
   * together: a crash leaves either nothing (the event is answered when re-processed) or queued
   * replies (the sweeper sends them). A chat that left the bot meanwhile (an agent claimed it while
   * the app was thinking) gets nothing.
   */
  private async commit(s: BotRuntimeSettings, d: BotDecision, ctx: InboundContext): Promise<boolean> {
    type Done = { source: AnsweredBy | 'none'; rows: { msg: MessageEntity; outbound: OutboundMessageEntity }[]; handedOff: TransitionResult | null; failures: number };
    const result = await this.ds.transaction(async (m): Promise<Done | 'answered' | 'not-bot'> => {
      // The claim and the chat's row lock in one statement.
      const [claim]: { claimed: boolean; state: string | null; bot_failures: number | null }[] = await m.query(
        `WITH claim AS (
           INSERT INTO bot_replies (inbox_event_id, conversation_id, source, rule_id, message_id) VALUES ($1, $2, $3, $4, NULL)
           ON CONFLICT DO NOTHING RETURNING inbox_event_id
         )
         SELECT EXISTS (SELECT 1 FROM claim) AS claimed, c.state, c.bot_failures
         FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT state, bot_failures FROM conversations WHERE id = $2 FOR UPDATE) c ON true`,
        [ctx.inboxEventId, ctx.conversationId, d.answeredBy ?? 'none', d.ruleId],
      );
      if (!claim?.claimed) return 'answered';
      const conv = claim.state === null ? null : { state: claim.state, bot_failures: claim.bot_failures ?? 0 };
      if (!conv || conv.state !== 'bot') return 'not-bot';

      let source: AnsweredBy | 'none' = d.answeredBy ?? 'none';
      let messages = d.messages;
      let failures = 0;
      let handoff: Record<string, unknown> | null = d.handoff ? { trigger: d.handoff.trigger, ...(d.handoff.keyword ? { keyword: d.handoff.keyword } : {}) } : null;
      if (d.answeredBy === null) {
        failures = conv.bot_failures + 1;
        if (s.handoffAfterFailures > 0 && failures >= s.handoffAfterFailures) {
          handoff = { trigger: 'failures', failures };
          messages = [];
        } else if (s.fallbackText) {
          source = 'fallback';
          messages = [textMessage(s.fallbackText)];
        }
      }
      let handedOff: TransitionResult | null = null;
      if (handoff) {
        const moved = await this.states.handoff(m, ctx.conversationId, { ...handoff, inboxEventId: ctx.inboxEventId });
        if (!moved) return 'not-bot';
        handedOff = moved;
        failures = 0;
        source = d.answeredBy === 'app' ? 'app' : 'handoff';
        messages = [...messages, textMessage(HANDOFF_ACK)];
      }
      const rows = [];
      for (const out of messages) rows.push(await this.outbound.createInTransaction(m, ctx.conversationId, out, null));
      // The failure counter, the claim's outcome and the inbox event's status ('deciding' → 'processed':
      // the decision is committed) in one statement.
      await m.query(
        `WITH f AS (UPDATE conversations SET bot_failures = $2 WHERE id = $1),
              e AS (UPDATE inbox_events SET status = 'processed' WHERE id = $3 AND status = 'deciding')
         UPDATE bot_replies SET source = $4, message_id = $5 WHERE inbox_event_id = $3`,
        [ctx.conversationId, failures, ctx.inboxEventId, source, rows[0]?.msg.id ?? null],
      );
      return { source, rows, handedOff, failures };
    });
    if (result === 'answered') {
      this.logger.warn(`inbox event ${ctx.inboxEventId} already answered; not replying again`);
      return false;
    }
    if (result === 'not-bot') {
      this.logger.log(`inbox event ${ctx.inboxEventId}: conversation ${ctx.conversationId} no longer with the bot; not replying`);
      return false;
    }
    countEvent('bot.decided');
    for (const r of result.rows) await this.outbound.dispatch({ conversationId: ctx.conversationId, outboundId: r.outbound.id });
    if (d.suggestions) await this.suggestionsStore.remember(ctx.conversationId, d.suggestions.map((x) => x.id));
    else if (d.answeredBy !== null || result.handedOff) await this.suggestionsStore.forget(ctx.conversationId);
    // The desk hears of each new message from OutboundService.dispatch; the state change is ours to tell.
    if (result.handedOff) {
      // The desk hears of it, and so do transition hooks (e.g. a platform keeping its own session state in step).
      this.states.announce(ctx.conversationId, result.handedOff);
      this.notifier.queueChanged();
    }
    const why = d.error ? ` (app: ${d.error.code})` : '';
    this.logger.log(
      `inbox event ${ctx.inboxEventId}: ${result.source}${result.handedOff ? ', handed to agents' : ''}, ${result.rows.length} message(s), failures in a row ${result.failures}${why}`,
    );
    return true;
  }
}
