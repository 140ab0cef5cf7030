import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConversationState, InboundMessage } from '@imbridge/contracts';
import { inboundOrigin, type AfterCommit, type InboxHookContext, type InboxHooks } from '@imbridge/platform-core';
import { ConversationStateService, type TransitionResult } from '../conversations/conversation-state.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { BotPipeline } from '../keyword-rules/bot-pipeline.service';
import { MediaService } from '../media/media.service';
import { OutboundService } from '../outbound/outbound.service';
import { InboundSourceSupervisor } from '../inbound-sources/inbound-source.supervisor';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { countEvent } from '../metrics/process-stats';
import { InboxSignals } from './inbox-signals';

const MAX_ATTEMPTS = 5;
const BATCH = 100;

/** A message this run stored (not one a previous run already had). */
interface StoredInbound {
  conversationId: string;
  conversationState: ConversationState;
  /** A media row registered in the same transaction, to be downloaded after the commit. */
  newMediaFileId?: string;
  messageId: string;
  /** Set when the message reopened a closed chat. */
  reopened: TransitionResult | null;
  /** The platform hook's work for after the commit (InboxHooks.inTransaction). */
  afterCommit: AfterCommit | null;
  /** A customer's message in a chat with the bot: the event is 'deciding' until the bot's decision commits. */
  deciding: boolean;
}

const NO_HOOKS: InboxHooks = {};

/**
 * The bot step's outcome: 'settled' — decided, and the inbox event marked processed in the same
 * transaction; 'decided' — decided (or nothing to decide), the event still to be marked; 'failed' —
 * to be decided again.
 */
type Decided = 'settled' | 'decided' | 'failed';

interface PendingRow {
  id: string;
  payload: InboundMessage;
  attempts: number;
  received_at: Date;
  /** 'pending': not stored yet; 'deciding': stored, the bot's decision not committed (a process died). */
  status: 'pending' | 'deciding';
}

export function previewOf(m: InboundMessage): string {
  if (m.type === 'text') return (m.text ?? '').slice(0, 200);
  if (m.type === 'event') return `[event] ${m.event?.name ?? ''}`.slice(0, 200);
  return `[${m.type}]`;
}

/**
 * Turns stored inbox events into contacts, conversations and messages. One conversation is processed
 * by one process at a time (a PostgreSQL advisory lock held across all workers), in arrival order,
 * each event exactly once (the message row is unique per inbox event).
 */
@Injectable()
export class InboxService {
  private readonly logger = new Logger('Inbox');

  constructor(
    private readonly ds: DataSource,
    private readonly bot: BotPipeline,
    private readonly states: ConversationStateService,
    private readonly notifier: DeskNotifier,
    private readonly registry: PlatformRegistry,
    private readonly integrations: IntegrationsService,
    private readonly sources: InboundSourceSupervisor,
    private readonly outbound: OutboundService,
    private readonly signals: InboxSignals,
    @Optional() private readonly media?: MediaService,
  ) {}

  /** The platform's inbox hooks (none for a deleted integration: its events are still stored). */
  async hooksOf(integrationId: string): Promise<InboxHooks> {
    const integration = await this.integrations.runtime(integrationId);
    return integration ? (this.registry.hooks(integration.platform).inbox ?? NO_HOOKS) : NO_HOOKS;
  }

  async processConversation(integrationId: string, conversationKey: string): Promise<number> {
    const hooks = await this.hooksOf(integrationId);
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const lockKey = `inbox:${integrationId}:${conversationKey}`;
    let processed = 0;
    try {
      // lock_timeout is set first (the target list is evaluated in order), in the same round trip.
      await runner.query(`SELECT set_config('lock_timeout', '60s', false), pg_advisory_lock(hashtextextended($1, 0))`, [lockKey]);
      try {
        for (;;) {
          const rows: PendingRow[] = await runner.query(
            `SELECT id, payload, attempts, received_at, status FROM inbox_events
             WHERE integration_id = $1 AND conversation_key = $2 AND (status = 'pending' OR status = 'deciding') ORDER BY id LIMIT ${BATCH}`,
            [integrationId, conversationKey],
          );
          if (rows.length === 0) break;
          for (const row of rows) {
            if (row.status === 'deciding') {
              // Stored by an earlier run that died (or whose bot step failed) before the bot's decision
              // committed: decide now. The bot claims each event once (bot_replies), so nothing doubles.
              if (await this.decideAgain(hooks, integrationId, row)) processed++;
              continue;
            }
            const triggered = await this.handleTrigger(runner.manager, hooks, integrationId, conversationKey, row);
            if (triggered === 'pulled') processed++;
            if (triggered !== null) continue;
            await runner.startTransaction();
            let stored: StoredInbound | null;
            try {
              stored = await this.apply(runner.manager, hooks, integrationId, row);
              await runner.commitTransaction();
              processed++;
              countEvent('inbox.processed');
              // Media is downloaded by its own queue, after the commit and outside this lock.
              if (stored?.newMediaFileId) this.media?.afterCommit(stored.newMediaFileId);
              if (stored) this.announce(stored);
            } catch (err) {
              await runner.rollbackTransaction();
              await this.recordFailure(row, err);
              continue;
            }
            if (stored?.afterCommit) await this.runAfterCommit(stored.afterCommit, row);
            // After the commit (a rolled-back event never gets a reply), still under the lock (replies
            // keep the order of the messages they answer). A message someone sent from the platform's
            // own client and imported history are stored, never answered.
            if (stored && inboundOrigin(row.payload) === 'customer') {
              const decided = await this.customerMessage(hooks, integrationId, row, stored.conversationId, stored.conversationState);
              if (stored.deciding && decided !== 'settled') await this.settleDecision(row, decided === 'decided');
            }
            this.signals.signal([String(row.id)]);
          }
          if (rows.length < BATCH) break;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
      }
    } finally {
      await runner.release();
    }
    return processed;
  }

  /**
   * An event that is a trigger (InboxHooks.trigger: e.g. "new messages, pull them") is not a chat
   * message: it runs the source's pull (which stores the messages as their own inbox events) and is
   * then marked processed. A failed pull counts as a failed attempt of this event, so it is retried
   * like any other.
   */
  private async handleTrigger(m: EntityManager, hooks: InboxHooks, integrationId: string, conversationKey: string, row: PendingRow): Promise<'pulled' | 'failed' | null> {
    const trigger = hooks.trigger?.(row.payload, conversationKey);
    if (!trigger) return null;
    try {
      await this.sources.pull(trigger.source, integrationId, trigger.unit, trigger.hint);
      await m.query(`UPDATE inbox_events SET status = 'processed', processed_at = now(), attempts = attempts + 1 WHERE id = $1`, [row.id]);
      return 'pulled';
    } catch (err) {
      await this.recordFailure(row, err);
      return 'failed';
    }
  }

  /** The desk hears of the committed message, and of the chat (state, unread count, preview). */
  private announce(stored: StoredInbound): void {
    if (stored.reopened) this.states.announce(stored.conversationId, stored.reopened);
    else this.notifier.conversationChanged(stored.conversationId);
    this.notifier.messageCreated(stored.messageId);
  }

  /**
   * A customer's message: in a chat with the bot, the platform may route it first (e.g. straight to
   * the agents' queue), else the bot answers; then the platform's follow-up (e.g. keeping its own
   * session state in step). False when the bot step failed (the decision is still outstanding).
   */
  private async customerMessage(hooks: InboxHooks, integrationId: string, row: PendingRow, conversationId: string, state: ConversationState): Promise<Decided> {
    const ctx: InboxHookContext = { integrationId, conversationId, inboxEventId: String(row.id), origin: 'customer' };
    let decided: Decided = 'decided';
    if (state === 'bot') {
      const routed = hooks.routeBeforeBot
        ? await hooks.routeBeforeBot(ctx, row.payload).catch((err: Error) => {
            this.logger.error(`routing inbox event ${row.id} failed: ${err.message}`);
            return false;
          })
        : false;
      if (!routed) decided = await this.runBot(integrationId, row, conversationId);
    }
    if (hooks.afterCustomerMessage) {
      await hooks.afterCustomerMessage(ctx, row.payload).catch((err: Error) => this.logger.warn(`follow-up of inbox event ${row.id} failed: ${err.message}`));
    }
    return decided;
  }

  /** A 'deciding' event found again: its message is stored; decide with the chat's state now. */
  private async decideAgain(hooks: InboxHooks, integrationId: string, row: PendingRow): Promise<boolean> {
    let target: { conversation_id: string; state: ConversationState } | undefined;
    try {
      [target] = await this.ds.query(
        `SELECT m.conversation_id, c.state FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.inbox_event_id = $1`,
        [row.id],
      );
    } catch (err) {
      this.logger.warn(`inbox event ${row.id}: the stored message could not be read (${(err as Error).message}); decided later`);
      return false;
    }
    if (!target) {
      // Nothing stored for it (cannot happen: the message commits with the 'deciding' status): done.
      await this.settleDecision(row, true);
      return true;
    }
    this.logger.log(`inbox event ${row.id}: deciding again after an interruption (chat ${target.state})`);
    // A human may own the chat by now: then the decision is the bot's silence.
    const decided = await this.customerMessage(hooks, integrationId, row, target.conversation_id, target.state);
    // The earlier run may have committed the decision and died before queuing its reply.
    if (decided !== 'failed') await this.outbound.resume(target.conversation_id).catch((err: Error) => this.logger.warn(`chat ${target.conversation_id}: replies not queued now (${err.message}); the sweeper will`));
    if (decided !== 'settled') await this.settleDecision(row, decided === 'decided');
    return decided !== 'failed';
  }

  /**
   * The event is done once the bot's decision is committed. A failed bot step leaves it 'deciding' for
   * another try (the sweeper re-dispatches it), at most MAX_ATTEMPTS in all; then it is 'failed'.
   */
  private async settleDecision(row: PendingRow, decided: boolean): Promise<void> {
    try {
      if (decided) {
        await this.ds.query(`UPDATE inbox_events SET status = 'processed' WHERE id = $1 AND status = 'deciding'`, [row.id]);
      } else {
        await this.ds.query(
          `UPDATE inbox_events SET attempts = attempts + 1, last_error = 'bot step failed',
             status = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'deciding' END
           WHERE id = $1 AND status = 'deciding'`,
          [row.id, MAX_ATTEMPTS],
        );
      }
    } catch (err) {
      // PostgreSQL away: the event stays 'deciding'; the sweeper brings it back, the bot's claim keeps it single.
      this.logger.warn(`inbox event ${row.id}: decision not recorded now (${(err as Error).message}); it is retried`);
    }
  }

  private async runAfterCommit(work: AfterCommit, row: PendingRow): Promise<void> {
    try {
      await work();
    } catch (err) {
      // The rows are committed; the sweeper queues outbound rows left waiting.
      this.logger.warn(`after-commit work of inbox event ${row.id} failed: ${(err as Error).message}`);
    }
  }

  /** Whether the bot's decision (a reply, silence, a handoff) is committed or was already (see Decided). */
  private async runBot(integrationId: string, row: PendingRow, conversationId: string): Promise<Decided> {
    try {
      return (await this.bot.onInbound(row.payload, { conversationId, integrationId, inboxEventId: String(row.id) })) ? 'settled' : 'decided';
    } catch (err) {
      // The message is stored; the event stays 'deciding' and is decided again later (at most MAX_ATTEMPTS).
      this.logger.error(`bot pipeline failed for inbox event ${row.id}: ${(err as Error).message}`);
      return 'failed';
    }
  }

  private async apply(m: EntityManager, hooks: InboxHooks, integrationId: string, row: PendingRow): Promise<StoredInbound | null> {
    const msg = row.payload;
    // The contact and its conversation, created or found, in one statement.
    const [conversation]: { id: string; state: ConversationState }[] = await m.query(
      `WITH ct AS (
         INSERT INTO contacts (integration_id, external_id, display_name) VALUES ($1, $2, $3)
         ON CONFLICT (integration_id, external_id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, contacts.display_name)
         RETURNING id
       )
       INSERT INTO conversations (integration_id, contact_id) SELECT $1, id FROM ct
       ON CONFLICT (integration_id, contact_id) DO UPDATE SET updated_at = now() RETURNING id, state`,
      [integrationId, msg.sender.externalId, msg.sender.name ?? null],
    );
    const { text, type, platformMessageId, sender: _sender, ...rest } = msg;
    void _sender;
    const origin = inboundOrigin(msg);
    // The reply window opens with what the customer does: not with a servicer's or imported message,
    // nor with what the platform says does not count (e.g. its system events).
    const fromCustomer = (origin === 'customer' || origin === 'pager') && (hooks.opensReplyWindow?.(msg, origin) ?? true);
    // Messages are ordered by when we received them (millisecond precision, arrival order); the
    // platform's own time (often whole seconds) stays in content.sentAt.
    const receivedAt = row.received_at;
    // A servicer's message is ours going out (the platform sent it already): direction out, sent, no author.
    const servicer = origin === 'servicer';
    // A closed chat reopens with the bot on the customer's next message (not on a platform event such
    // as entering the app), in this transaction, so the pipeline below already sees state 'bot'.
    const reopens = conversation!.state === 'closed' && type !== 'event' && origin === 'customer';
    // Unread for the desk: counted while agents own the chat (queued or assigned), reset by /read.
    const unread = (conversation!.state === 'queued' || conversation!.state === 'assigned') && type !== 'event' && origin === 'customer';
    // Done now, or — a customer's message in a chat with the bot — once the bot's decision commits.
    // (A reopened chat is with the bot: its status is set below, after the reopening.)
    const deciding = origin === 'customer' && conversation!.state === 'bot';
    // The message, the chat's last-message fields and unread count, and the event's status: one
    // statement. A message already stored for this event (a re-run) changes nothing but the event.
    const inserted: { id: string }[] = await m.query(
      `WITH ins AS (
         INSERT INTO messages (conversation_id, integration_id, direction, type, text, content, status, platform_message_id, inbox_event_id, created_at, sent_at)
         VALUES ($1, $2, $9, $3, $4, $5::jsonb, $10, $6, $7, $8, $11)
         ON CONFLICT (inbox_event_id) DO NOTHING RETURNING id
       ), conv AS (
         UPDATE conversations SET last_message_at = GREATEST(COALESCE(last_message_at, $8), $8),
           last_inbound_at = CASE WHEN $13 THEN now() ELSE last_inbound_at END,
           last_message_preview = $12, updated_at = now(),
           unread_count = unread_count + CASE WHEN $14 AND EXISTS (SELECT 1 FROM ins) THEN 1 ELSE 0 END
         WHERE id = $1
       ), ev AS (
         UPDATE inbox_events SET status = CASE WHEN EXISTS (SELECT 1 FROM ins) AND NOT $16 THEN $15 ELSE 'processed' END,
           processed_at = now(), attempts = attempts + 1
         WHERE id = $7
       )
       SELECT id FROM ins`,
      [
        conversation!.id,
        integrationId,
        type,
        text ?? null,
        JSON.stringify(rest),
        platformMessageId ?? null,
        row.id,
        receivedAt,
        servicer ? 'out' : 'in',
        servicer ? 'sent' : 'received',
        servicer ? receivedAt : null,
        previewOf(msg),
        fromCustomer,
        unread,
        deciding ? 'deciding' : 'processed',
        reopens,
      ],
    );
    if (inserted.length === 0) return null;
    let state: ConversationState = conversation!.state;
    let reopened: TransitionResult | null = null;
    if (reopens) {
      reopened = await this.states.reopen(m, conversation!.id, { inboxEventId: String(row.id) });
      if (reopened) state = reopened.to;
      // The reopened chat is with the bot: the event waits for its decision.
      if (origin === 'customer' && state === 'bot') await m.query(`UPDATE inbox_events SET status = 'deciding' WHERE id = $1`, [row.id]);
    }
    const media = msg.media?.mediaId && this.media ? await this.media.registerForInboxEvent(row.id, m) : null;
    // What the platform writes with the event commits with it, so it acts exactly once.
    const afterCommit = hooks.inTransaction
      ? await hooks.inTransaction(m, { integrationId, conversationId: conversation!.id, inboxEventId: String(row.id), origin }, msg)
      : null;
    return {
      conversationId: conversation!.id,
      conversationState: state,
      newMediaFileId: media?.isNew ? media.id : undefined,
      messageId: inserted[0]!.id,
      reopened,
      afterCommit,
      deciding: origin === 'customer' && state === 'bot',
    };
  }

  private async recordFailure(row: PendingRow, err: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const status = attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
    this.logger.error(`inbox event ${row.id} failed (attempt ${attempts}): ${(err as Error).message}`);
    await this.ds.query(`UPDATE inbox_events SET attempts = $2, status = $3, last_error = $4 WHERE id = $1`, [
      row.id,
      attempts,
      status,
      String((err as Error).message).slice(0, 2000),
    ]);
  }
}
