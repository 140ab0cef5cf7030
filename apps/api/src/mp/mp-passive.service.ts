import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CallbackHttpReply, InboundEvent } from '@imbridge/platform-core';
import { MP_CALLBACK_ACK, MP_CONTINUE_WORDS, mpDeliveryMode, mpPassiveReplyHttp, readMpConfig, type MpConfig } from '@imbridge/platform-mp';
import { MpPassiveReplyEntity } from '@imbridge/persistence';
import { RedisService } from '../common/redis.service';
import type { IntegrationRef } from '@imbridge/platform-core';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { InboxSignals } from '../inbox/inbox-signals';
import { buildPage, passiveTextOf } from './mp-passive-text';

export const MP_PLATFORM = 'mp';
/** WeChat delivers a callback it got no answer to 3 times in total, 5 s apart (wecom-mp.md §2.1). */
export const MP_DELIVERIES = 3;
/** How often a held callback looks for its answer. */
const POLL_MS = 50;
/**
 * A reply that has answers from before this message waiting waits this long for this message's own
 * answer too (a keyword or FAQ answer is there in milliseconds), so both go out together.
 */
const BACKLOG_GRACE_MS = 1_000;
/** Events a passive reply may answer: a welcome on subscribe or on scanning a parameterized QR code. */
const WELCOME_EVENTS = new Set(['subscribe', 'SCAN']);

/** What the callback handler needs from the request to build the reply. */
export interface PassiveRequest {
  query: Readonly<Record<string, string>>;
  /** Aborted when WeChat gives up on this delivery (the connection closed). */
  signal?: AbortSignal;
}

/** The answer to a 公众号 callback: an HTTP reply, or `hold` (answer nothing, so WeChat delivers again). */
export type PassiveOutcome = { reply: CallbackHttpReply } | { hold: true };

interface Pending {
  id: string;
  message_id: string;
  payload: never;
  pickup_offset: number;
}

const isContinueWord = (text: string | undefined): boolean => {
  const t = (text ?? '').trim().replace(/[。.!！]+$/u, '').toLowerCase();
  return (MP_CONTINUE_WORDS as readonly string[]).includes(t);
};

class ReplyTaken extends Error {}


/**
 * 公众号 accounts without the customer-service API answer inside the callback (a passive reply), and
 * WeChat waits 5 s for it. The bot's answers are queued like every other outbound message; for such
 * an account the outbound sender holds them (`awaiting_pickup`) and this class hands them out:
 *
 * - A delivery waits up to `passiveBudgetMs` for the message's own answer (the bot decided: its
 *   `bot_replies` row exists, or nothing will answer) and replies with everything waiting for the user.
 * - Not ready: the delivery answers nothing and is left to time out, so WeChat delivers again (3 times
 *   in total); the next delivery waits again. At the last delivery, still nothing: the holding text
 *   (`parkingText`) goes out and the answer waits for the user's next message, which gets it first.
 * - One reply per callback (integration + MsgId or event key): stored in `mp_passive_replies` in the
 *   same transaction that marks the messages sent; a later delivery of the same callback gets the same
 *   reply again, never a second answer.
 * - Long answers are paged (`pageBytes`); 「继续」 fetches the next page without asking the bot.
 */
@Injectable()
export class MpPassiveReplies {
  private readonly logger = new Logger('MpPassive');

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly notifier: DeskNotifier,
    private readonly signals: InboxSignals,
  ) {}

  /** Whether this integration answers passively. */
  static passiveConfig(integration: Pick<IntegrationRef, 'platform' | 'config'>): MpConfig | null {
    if (integration.platform !== MP_PLATFORM) return null;
    try {
      const cfg = readMpConfig(integration.config);
      return mpDeliveryMode(cfg) === 'passive' ? cfg : null;
    } catch {
      return null;
    }
  }

  /**
   * Before the event is stored: a 「继续」 from a user who has a paged answer waiting is a request for
   * the next page, marked so that the bot does not answer it.
   */
  async beforeStore(integration: IntegrationRef, event: InboundEvent): Promise<void> {
    if (!MpPassiveReplies.passiveConfig(integration)) return;
    if (event.message.type !== 'text' || !isContinueWord(event.message.text)) return;
    const conversationId = await this.conversationOf(integration.id, event.message.sender.externalId);
    if (!conversationId) return;
    const [row]: { n: number }[] = await this.ds.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE conversation_id = $1 AND status IN ('queued', 'awaiting_pickup')`,
      [conversationId],
    );
    if ((row?.n ?? 0) > 0) event.message.extra = { ...(event.message.extra ?? {}), pager: '1' };
  }

  /**
   * The HTTP answer to a stored (or duplicate) callback of a passive account. `inboxEventId` null: a
   * duplicate (WeChat's retry); its stored row is looked up.
   */
  async respond(integration: IntegrationRef, req: PassiveRequest, event: InboundEvent, inboxEventId: string | null): Promise<PassiveOutcome> {
    const cfg = MpPassiveReplies.passiveConfig(integration);
    if (!cfg) return { reply: MP_CALLBACK_ACK };
    const msg = event.message;
    if (msg.type === 'event' && !WELCOME_EVENTS.has(msg.event?.name ?? '')) return { reply: MP_CALLBACK_ACK };

    const started = Date.now();
    const key = event.dedupeKey;
    const delivery = await this.countDelivery(integration.id, key, inboxEventId === null);
    const last = delivery >= MP_DELIVERIES;
    const deadline = started + cfg.passiveBudgetMs;
    const inboxId = inboxEventId ?? (await this.inboxIdOf(integration.id, key));
    const to = {
      encrypted: req.query['encrypt_type'] === 'aes',
      nonce: req.query['nonce'] ?? '',
      userOpenId: msg.sender.externalId,
      accountId: msg.extra?.['ToUserName'] ?? '',
    };
    const http = (text: string): PassiveOutcome => ({ reply: mpPassiveReplyHttp(cfg, to, { type: 'text', content: text }, new Date()) });
    const pager = msg.extra?.['pager'] === '1';

    for (;;) {
      const st = await this.look(integration.id, key, msg.sender.externalId, inboxId);
      if (st.given !== null) return http(st.given);
      if (req.signal?.aborted) return { hold: true };
      const decided = pager || st.decided;
      const now = Date.now();
      if (st.conversationId) {
        if (decided) {
          if (st.waiting === 0) return { reply: MP_CALLBACK_ACK };
          const text = await this.claim(integration.id, key, st.conversationId, cfg, delivery, null);
          if (text !== null) return http(text);
        } else if (st.waiting > 0 && (now - started >= BACKLOG_GRACE_MS || now >= deadline)) {
          // Answers from before wait for this one no longer: they go out now, with the holding text
          // for this message's own answer.
          const text = await this.claim(integration.id, key, st.conversationId, cfg, delivery, cfg.parkingText);
          if (text !== null) return http(text);
        }
      } else if (decided) {
        return { reply: MP_CALLBACK_ACK };
      }
      if (now >= deadline) {
        if (!last) return { hold: true };
        const text = await this.claim(integration.id, key, st.conversationId, cfg, delivery, cfg.parkingText);
        return http(text ?? cfg.parkingText);
      }
      // Woken at once when this process commits the event's decision; else looks again after POLL_MS.
      await this.signals.wait(inboxId, Math.min(POLL_MS, Math.max(1, deadline - now)));
    }
  }

  /**
   * Everything one look needs, in one query: the reply already given to this callback, the user's
   * conversation, how many messages wait for the user, and whether this message's answer is decided:
   * the event was processed (or failed for good) and, for a message the bot reads, the bot's claim
   * row exists (it commits together with the answer). A chat with agents, an event, or a message the
   * bot does not read is decided once processed: an agent's later reply waits for the next message.
   */
  private async look(integrationId: string, key: string, externalId: string, inboxEventId: string | null): Promise<{ given: string | null; conversationId: string | null; waiting: number; decided: boolean }> {
    const [row]: {
      given: { type: string; text?: string } | null;
      conversation_id: string | null;
      waiting: number;
      status: string | null;
      type: string | null;
      text: string | null;
      state: string | null;
      answered: boolean;
    }[] = await this.ds.query(
      `SELECT (SELECT reply FROM mp_passive_replies WHERE integration_id = $1 AND dedupe_key = $2) AS given,
              cv.id AS conversation_id, cv.state,
              (SELECT count(*) FROM outbound_messages o WHERE o.conversation_id = cv.id AND o.status IN ('queued', 'awaiting_pickup'))::int AS waiting,
              ie.status, ie.payload->>'type' AS type, ie.payload->>'text' AS text,
              EXISTS (SELECT 1 FROM bot_replies br WHERE br.inbox_event_id = ie.id) AS answered
         FROM (SELECT 1) one
         LEFT JOIN contacts ct ON ct.integration_id = $1 AND ct.external_id = $3
         LEFT JOIN conversations cv ON cv.contact_id = ct.id
         LEFT JOIN inbox_events ie ON ie.id = $4::bigint`,
      [integrationId, key, externalId, inboxEventId],
    );
    const given = row?.given ? (row.given.text ?? null) : null;
    let decided: boolean;
    if (!row || inboxEventId === null || row.status === null || row.status === 'failed') decided = true;
    // The bot's claim commits with its answer: decided, even before the inbox marks the event done.
    else if (row.answered) decided = true;
    else if (row.status !== 'processed') decided = false;
    else decided = !((row.type === 'text' || row.type === 'voice') && !!row.text) || row.state !== 'bot';
    return { given, conversationId: row?.conversation_id ?? null, waiting: row?.waiting ?? 0, decided };
  }

  /** Which delivery of this callback this is (1-based). Without Redis: 1 for a new one, else the last. */
  private async countDelivery(integrationId: string, key: string, duplicate: boolean): Promise<number> {
    try {
      const redisKey = this.redis.key('mp-delivery', integrationId, key);
      const n = await Promise.race([
        this.redis.client.incr(redisKey),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 300).unref()),
      ]);
      await this.redis.client.expire(redisKey, 600).catch(() => undefined);
      // A duplicate is at least the second delivery (the count may have expired or been lost).
      return duplicate ? Math.max(2, n) : n;
    } catch (err) {
      this.logger.warn(`delivery count unavailable (${(err as Error).message}); treating the callback as ${duplicate ? 'the last' : 'the first'} delivery`);
      return duplicate ? MP_DELIVERIES : 1;
    }
  }

  private async inboxIdOf(integrationId: string, key: string): Promise<string | null> {
    const [row]: { id: string }[] = await this.ds.query('SELECT id FROM inbox_events WHERE integration_id = $1 AND dedupe_key = $2', [integrationId, key]);
    return row ? String(row.id) : null;
  }

  private async conversationOf(integrationId: string, externalId: string): Promise<string | null> {
    const [row]: { id: string }[] = await this.ds.query(
      `SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.integration_id = $1 AND ct.external_id = $2`,
      [integrationId, externalId],
    );
    return row?.id ?? null;
  }

  private async storedReply(integrationId: string, key: string): Promise<string | null> {
    const row = await this.ds.getRepository(MpPassiveReplyEntity).findOne({ where: { integrationId, dedupeKey: key } });
    return row?.reply.type === 'text' ? row.reply.text : null;
  }

  /**
   * Hands out the next page of what waits for the user as the one reply to callback `key`, in one
   * transaction with marking it delivered. `suffix`: appended (the holding text). Returns the reply
   * text, the one another delivery stored first, or null when there was nothing to say and no suffix.
   */
  private async claim(integrationId: string, key: string, conversationId: string | null, cfg: MpConfig, delivery: number, suffix: string | null): Promise<string | null> {
    const touched: string[] = [];
    const text = await this.ds.transaction(async (m: EntityManager): Promise<string | null> => {
      if (conversationId) await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`mp-pickup:${conversationId}`]);
      const [existing]: { reply: { type: string; text?: string } }[] = await m.query(
        'SELECT reply FROM mp_passive_replies WHERE integration_id = $1 AND dedupe_key = $2',
        [integrationId, key],
      );
      if (existing) return existing.reply.text ?? null;
      const rows: Pending[] = conversationId
        ? await m.query(
            `SELECT id, message_id, payload, pickup_offset FROM outbound_messages
              WHERE conversation_id = $1 AND status IN ('queued', 'awaiting_pickup') ORDER BY seq FOR UPDATE`,
            [conversationId],
          )
        : [];
      const pending = rows
        .map((r) => ({ row: r, text: passiveTextOf(r.payload) }))
        .filter((x): x is { row: Pending; text: string } => x.text !== null)
        .map((x) => ({ id: x.row.id, text: x.text, offset: x.row.pickup_offset, messageId: x.row.message_id }));
      const page = buildPage(pending, cfg.pageBytes, suffix ?? '');
      if (page.text === '') return null;
      const now = new Date();
      for (const adv of page.advanced) {
        const p = pending.find((x) => x.id === adv.id)!;
        touched.push(p.messageId);
        if (adv.done) {
          await m.query(`UPDATE outbound_messages SET status = 'sent', pickup_offset = $2, sent_at = $3, updated_at = $3 WHERE id = $1`, [adv.id, adv.offset, now]);
          await m.query(`UPDATE messages SET status = 'sent', sent_at = $2, error = NULL WHERE id = $1`, [p.messageId, now]);
        } else {
          await m.query(`UPDATE outbound_messages SET status = 'awaiting_pickup', pickup_offset = $2, updated_at = $3 WHERE id = $1`, [adv.id, adv.offset, now]);
          await m.query(`UPDATE messages SET status = 'held' WHERE id = $1`, [p.messageId]);
        }
      }
      const kind = page.advanced.length > 0 ? 'answer' : 'parking';
      const inserted: unknown[] = await m.query(
        `INSERT INTO mp_passive_replies (integration_id, dedupe_key, conversation_id, kind, reply, outbound_ids, delivery)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7) ON CONFLICT DO NOTHING RETURNING dedupe_key`,
        [integrationId, key, conversationId, kind, JSON.stringify({ type: 'text', text: page.text }), JSON.stringify(page.advanced.map((a) => a.id)), delivery],
      );
      // Another delivery of the same callback (no conversation lock yet) replied first: undo ours.
      if (inserted.length === 0) throw new ReplyTaken();
      return page.text;
    }).catch(async (err: unknown) => {
      if (!(err instanceof ReplyTaken)) throw err;
      touched.length = 0;
      return this.storedReply(integrationId, key);
    });
    for (const id of touched) this.notifier.messageUpdated(id);
    return text;
  }
}
