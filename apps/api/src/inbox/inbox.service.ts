import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConversationState, InboundMessage } from '@imbridge/contracts';
import { kfNotifyFromEvent } from '@imbridge/platform-wecom-kf';
import { ConversationStateService, type TransitionResult } from '../conversations/conversation-state.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { BotPipeline } from '../keyword-rules/bot-pipeline.service';
import { MediaService } from '../media/media.service';
import { KfPuller } from '../kf/kf-puller.service';
import { KfSessionService, type KfInboundEffects } from '../kf/kf-session.service';
import { MpInboxHooks } from '../mp/mp-inbox.hooks';

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
  /** A 微信客服 chat (its session is kept in step with WeCom; kf events act). */
  kf: boolean;
  /** What a kf event did in the transaction, for after the commit. */
  kfEffects: KfInboundEffects | null;
  /** 公众号 welcome messages written in the transaction, dispatched after the commit. */
  welcomeOutboundIds: string[];
}

/**
 * Who wrote a stored message. `servicer`: a WeCom servicer from the WeCom client (微信客服 origin 5),
 * stored as an outgoing message; `history`: imported history (never answered, not unread); `pager`:
 * a 公众号 user's 「继续」 for the next page of a long passive answer (the callback answers it, the bot
 * does not).
 */
type Origin = 'customer' | 'servicer' | 'history' | 'pager';

function originOf(m: InboundMessage): Origin {
  if (m.extra?.['from_servicer'] === '1') return 'servicer';
  if (m.extra?.['history'] === '1') return 'history';
  if (m.extra?.['pager'] === '1') return 'pager';
  return 'customer';
}

interface PendingRow {
  id: string;
  payload: InboundMessage;
  attempts: number;
  received_at: Date;
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
    @Optional() private readonly media?: MediaService,
    @Optional() private readonly kf?: KfPuller,
    @Optional() private readonly kfSession?: KfSessionService,
    @Optional() private readonly mp?: MpInboxHooks,
  ) {}

  async processConversation(integrationId: string, conversationKey: string): Promise<number> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const lockKey = `inbox:${integrationId}:${conversationKey}`;
    let processed = 0;
    try {
      await runner.query(`SET lock_timeout = '60s'`);
      await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
      try {
        for (;;) {
          const rows: PendingRow[] = await runner.query(
            `SELECT id, payload, attempts, received_at FROM inbox_events
             WHERE integration_id = $1 AND conversation_key = $2 AND status = 'pending' ORDER BY id LIMIT ${BATCH}`,
            [integrationId, conversationKey],
          );
          if (rows.length === 0) break;
          for (const row of rows) {
            const kf = await this.handleKfNotify(runner.manager, integrationId, conversationKey, row);
            if (kf === 'pulled') processed++;
            if (kf !== null) continue;
            await runner.startTransaction();
            let stored: StoredInbound | null;
            try {
              stored = await this.apply(runner.manager, integrationId, row);
              await runner.commitTransaction();
              processed++;
              // Media is downloaded by its own queue, after the commit and outside this lock.
              if (stored?.newMediaFileId) this.media?.afterCommit(stored.newMediaFileId);
              if (stored) this.announce(stored);
            } catch (err) {
              await runner.rollbackTransaction();
              await this.recordFailure(row, err);
              continue;
            }
            if (stored?.kfEffects) await this.kfAfterCommit(stored.kfEffects);
            if (stored && stored.welcomeOutboundIds.length > 0) await this.mp?.dispatch(stored.conversationId, stored.welcomeOutboundIds);
            // After the commit (a rolled-back event never gets a reply), still under the lock (replies
            // keep the order of the messages they answer).
            // A message a servicer sent from the WeCom client (微信客服 origin 5) and imported history
            // are stored, never answered.
            if (stored && originOf(row.payload) === 'customer') {
              if (stored.kf) await this.kfCustomerMessage(integrationId, row, stored);
              else if (stored.conversationState === 'bot') await this.runBot(integrationId, row, stored.conversationId);
            }
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
   * A 微信客服 "new messages" notification is not a chat message: it triggers the pull (which stores
   * the messages as their own inbox events) and is then marked processed. A failed pull counts as a
   * failed attempt of this event, so it is retried like any other.
   */
  private async handleKfNotify(m: EntityManager, integrationId: string, conversationKey: string, row: PendingRow): Promise<'pulled' | 'failed' | null> {
    if (!this.kf) return null;
    const notify = kfNotifyFromEvent(row.payload);
    if (!notify || conversationKey !== `kf:${notify.openKfId}`) return null;
    try {
      await this.kf.pull(integrationId, notify.openKfId, notify.token);
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
   * 微信客服: a customer message in a chat with the bot goes to the bot, or straight to the agents'
   * queue when the account's pipeline is 'human'; then WeCom's session state is brought in step
   * when it is not (a new session, a handoff).
   */
  private async kfCustomerMessage(integrationId: string, row: PendingRow, stored: StoredInbound): Promise<void> {
    const session = this.kfSession;
    if (stored.conversationState === 'bot') {
      const openKfId = row.payload.extra?.['open_kfid'];
      let routed = false;
      if (session && openKfId && row.payload.type !== 'event') {
        routed = await session.routeToHuman(integrationId, stored.conversationId, openKfId, String(row.id)).catch((err: Error) => {
          this.logger.error(`kf pipeline for inbox event ${row.id} failed: ${err.message}`);
          return false;
        });
      }
      if (!routed) await this.runBot(integrationId, row, stored.conversationId);
    }
    if (session && row.payload.type !== 'event') {
      await session.afterCustomerMessage(stored.conversationId).catch((err: Error) => this.logger.warn(`kf session sync not requested: ${err.message}`));
    }
  }

  private async kfAfterCommit(effects: KfInboundEffects): Promise<void> {
    try {
      await this.kfSession?.afterCommit(effects);
    } catch (err) {
      // The rows are committed; the sweeper queues outbound rows left waiting.
      this.logger.warn(`kf event follow-up failed: ${(err as Error).message}`);
    }
  }

  private async runBot(integrationId: string, row: PendingRow, conversationId: string): Promise<void> {
    try {
      await this.bot.onInbound(row.payload, { conversationId, integrationId, inboxEventId: String(row.id) });
    } catch (err) {
      // The message is stored; a failing bot step must not turn the event into a failure or retry it.
      this.logger.error(`bot pipeline failed for inbox event ${row.id}: ${(err as Error).message}`);
    }
  }

  private async apply(m: EntityManager, integrationId: string, row: PendingRow): Promise<StoredInbound | null> {
    const msg = row.payload;
    const [contact] = await m.query(
      `INSERT INTO contacts (integration_id, external_id, display_name) VALUES ($1, $2, $3)
       ON CONFLICT (integration_id, external_id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, contacts.display_name)
       RETURNING id`,
      [integrationId, msg.sender.externalId, msg.sender.name ?? null],
    );
    const [conversation] = await m.query(
      `INSERT INTO conversations (integration_id, contact_id) VALUES ($1, $2)
       ON CONFLICT (integration_id, contact_id) DO UPDATE SET updated_at = now() RETURNING id, state`,
      [integrationId, contact.id],
    );
    const { text, type, platformMessageId, sender: _sender, ...rest } = msg;
    void _sender;
    const kf = (await this.kfSession?.isKfIntegration(m, integrationId)) ?? false;
    const origin = originOf(msg);
    // The reply window opens with what the customer does: not with a servicer's or imported message,
    // nor with a 微信客服 system event (enter_session, msg_send_fail … do not reset the quota there).
    const fromCustomer = (origin === 'customer' || origin === 'pager') && !(kf && type === 'event');
    // Messages are ordered by when we received them (millisecond precision, arrival order); the
    // platform's own time (whole seconds for WeCom) stays in content.sentAt.
    const receivedAt = row.received_at;
    // A servicer's message is ours going out (sent by WeCom already): direction out, sent, no author.
    const servicer = origin === 'servicer';
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO messages (conversation_id, integration_id, direction, type, text, content, status, platform_message_id, inbox_event_id, created_at, sent_at)
       VALUES ($1, $2, $9, $3, $4, $5::jsonb, $10, $6, $7, $8, $11)
       ON CONFLICT (inbox_event_id) DO NOTHING RETURNING id`,
      [
        conversation.id,
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
      ],
    );
    await m.query(
      `UPDATE conversations SET last_message_at = GREATEST(COALESCE(last_message_at, $2), $2),
         last_inbound_at = CASE WHEN $4 THEN now() ELSE last_inbound_at END,
         last_message_preview = $3, updated_at = now() WHERE id = $1`,
      [conversation.id, receivedAt, previewOf(msg), fromCustomer],
    );
    await m.query(`UPDATE inbox_events SET status = 'processed', processed_at = now(), attempts = attempts + 1 WHERE id = $1`, [row.id]);
    if (inserted.length === 0) return null;
    // A closed chat reopens with the bot on the customer's next message (not on a platform event such
    // as entering the app), in this transaction, so the pipeline below already sees state 'bot'.
    let state: ConversationState = conversation.state;
    let reopened: TransitionResult | null = null;
    if (state === 'closed' && type !== 'event' && origin === 'customer') {
      reopened = await this.states.reopen(m, conversation.id, { inboxEventId: String(row.id) });
      if (reopened) state = reopened.to;
    }
    // Unread for the desk: counted while agents own the chat (queued or assigned), reset by /read.
    if ((state === 'queued' || state === 'assigned') && type !== 'event' && origin === 'customer') {
      await m.query('UPDATE conversations SET unread_count = unread_count + 1 WHERE id = $1', [conversation.id]);
    }
    const media = msg.media?.mediaId && this.media ? await this.media.registerForInboxEvent(row.id, m) : null;
    // 微信客服 events act once, with the event (imported history never acts).
    const kfEffects =
      kf && type === 'event' && origin !== 'history' && this.kfSession
        ? await this.kfSession.applyEvent(m, { integrationId, conversationId: conversation.id, inboxEventId: String(row.id) }, msg)
        : null;
    // 公众号: the welcome for a subscribe / QR scan commits with the event.
    const welcomeOutboundIds = type === 'event' && !kf && this.mp ? await this.mp.welcomeInTransaction(m, integrationId, conversation.id, msg) : [];
    return {
      conversationId: conversation.id,
      conversationState: state,
      newMediaFileId: media?.isNew ? media.id : undefined,
      messageId: inserted[0]!.id,
      reopened,
      kf,
      kfEffects,
      welcomeOutboundIds,
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
