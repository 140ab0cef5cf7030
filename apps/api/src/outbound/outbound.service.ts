import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, type EntityManager } from 'typeorm';
import { menuAsText, type MessageView, type OutgoingMessage } from '@imbridge/contracts';
import { MessageEntity, OutboundMessageEntity } from '@imbridge/persistence';
import { messageView } from '../conversations/message-view';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { ApiError, notFound } from '../common/api-error';
import { JOB_DEFAULTS, OUTBOUND_QUEUE, type OutboundJob, type OutboundQueueJob } from '../queue/queues';
import { OutboxStore } from './outbox-store';

/** Kept here too: other modules import the message view from the outbound service. */
export { messageView } from '../conversations/message-view';

export function textOf(message: OutgoingMessage): string | null {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'menu':
      return menuAsText(message);
    case 'markdown':
      return message.markdown;
    case 'textcard':
      return `${message.title}\n${message.description}`;
    case 'news':
      return message.articles.map((a) => a.title).join('\n');
    case 'image':
    case 'file':
      return null;
  }
}

/**
 * Queues a message for sending: the message and outbox rows are committed first, then the job is
 * added (jobId = outbox id). If Redis is away the sweeper queues it later; nothing is lost.
 */
/** Job key of a delayed wake-up: the retry, any later re-check of the same attempt and a recovery round share one job. */
export function wakeKey(attempts: number, at: Date): string {
  return `${attempts}-${at.getTime()}`;
}

@Injectable()
export class OutboundService {
  private readonly logger = new Logger('Outbound');

  constructor(
    private readonly ds: DataSource,
    @InjectQueue(OUTBOUND_QUEUE) private readonly queue: Queue<OutboundQueueJob>,
    private readonly notifier: DeskNotifier,
  ) {}

  async enqueue(conversationId: string, message: OutgoingMessage, authorId: string | null): Promise<MessageView> {
    const { msg, outbound } = await this.ds.transaction((m) => this.createInTransaction(m, conversationId, message, authorId));
    await this.dispatch({ conversationId, outboundId: outbound.id });
    return messageView(msg);
  }

  /**
   * Writes the message and its outbox row inside the caller's transaction (so a caller can commit
   * them together with its own rows); the caller dispatches after the commit. A crash before the
   * dispatch is covered by the sweeper, which queues outbox rows left waiting.
   */
  async createInTransaction(
    m: EntityManager,
    conversationId: string,
    message: OutgoingMessage,
    authorId: string | null,
  ): Promise<{ msg: MessageEntity; outbound: OutboundMessageEntity }> {
    const text = textOf(message);
    // A plain text needs nothing more; anything else (an event-code text included) keeps its payload.
    const content = message.type === 'text' && !message.eventCode ? null : (message as unknown as Record<string, unknown>);
    const createdAt = new Date();
    // One statement (this runs for every reply the bot sends). The conversation's row lock comes
    // first: concurrent replies to one conversation then take their outbox seq in commit order, and
    // the sender (oldest seq first) can never see a later reply before an earlier one.
    const rows: { message_id: string; integration_id: string; external_id: string; outbound_id: string; seq: string; next_attempt_at: Date; o_created_at: Date; o_updated_at: Date }[] =
      await m.query(
        `WITH c AS (
           SELECT c.id, c.integration_id, ct.external_id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1 FOR UPDATE OF c
         ), msg AS (
           INSERT INTO messages (conversation_id, integration_id, direction, type, text, content, status, author_id, created_at)
           SELECT c.id, c.integration_id, 'out', $2, $3, $4::jsonb, 'queued', $5, $6 FROM c
           RETURNING id, integration_id
         ), o AS (
           INSERT INTO outbound_messages (message_id, integration_id, conversation_id, recipient, payload, status)
           SELECT msg.id, msg.integration_id, c.id, jsonb_build_object('externalId', c.external_id, 'kind', 'user'), $7::jsonb, 'queued' FROM msg, c
           RETURNING id, seq, next_attempt_at, created_at, updated_at
         ), u AS (
           UPDATE conversations SET last_message_at = $8, last_message_preview = $9, updated_at = now() WHERE id IN (SELECT id FROM c)
         )
         SELECT msg.id AS message_id, msg.integration_id, c.external_id, o.id AS outbound_id, o.seq::text AS seq, o.next_attempt_at, o.created_at AS o_created_at, o.updated_at AS o_updated_at
         FROM msg, o, c`,
        [conversationId, message.type, text, content === null ? null : JSON.stringify(content), authorId, createdAt, JSON.stringify(message), new Date(), (text ?? `[${message.type}]`).slice(0, 200)],
      );
    const row = rows[0];
    if (!row) throw notFound('conversation', '会话');
    const msg = Object.assign(new MessageEntity(), {
      id: row.message_id,
      conversationId,
      integrationId: row.integration_id,
      direction: 'out',
      type: message.type,
      text,
      content,
      status: 'queued',
      error: null,
      platformMessageId: null,
      inboxEventId: null,
      authorId,
      createdAt,
      sentAt: null,
    } satisfies Partial<MessageEntity>);
    const outbound = Object.assign(new OutboundMessageEntity(), {
      id: row.outbound_id,
      seq: row.seq,
      messageId: row.message_id,
      integrationId: row.integration_id,
      conversationId,
      recipient: { externalId: row.external_id, kind: 'user' as const },
      payload: message,
      status: 'queued',
      attempts: 0,
      nextAttemptAt: row.next_attempt_at,
      lastError: null,
      platformMessageIds: null,
      createdAt: row.o_created_at,
      updatedAt: row.o_updated_at,
      sentAt: null,
      pickupOffset: 0,
    } satisfies Partial<OutboundMessageEntity>);
    return { msg, outbound };
  }

  /** Re-drive a failed (dead-lettered) message: back into the queue, keeping its place in order. */
  async retry(messageId: string): Promise<MessageView> {
    const row = await this.ds.getRepository(OutboundMessageEntity).findOne({ where: { messageId } });
    if (!row) throw notFound('outbound message', '待发消息');
    if (row.status !== 'dead' && row.status !== 'failed') {
      throw new ApiError(409, 'NOT_FAILED', 'only failed messages can be retried', '只有发送失败的消息可以重试');
    }
    await this.ds.transaction(async (m) => {
      await m.update(OutboundMessageEntity, { id: row.id }, { status: 'queued', attempts: 0, nextAttemptAt: new Date(), lastError: null, updatedAt: new Date() });
      await m.update(MessageEntity, { id: messageId }, { status: 'queued', error: null });
    });
    this.notifier.messageUpdated(messageId);
    await this.dispatch({ conversationId: row.conversationId, outboundId: row.id });
    return messageView(await this.ds.getRepository(MessageEntity).findOneOrFail({ where: { id: messageId } }));
  }

  /** The conversation's oldest message not yet sent or given up: the one the outbox sends next (defined once, in OutboxStore). */
  oldestUnfinished(conversationId: string): Promise<OutboundMessageEntity | null> {
    this.store ??= new OutboxStore(this.ds);
    return this.store.oldestUnfinished(conversationId);
  }
  private store: OutboxStore | undefined;

  /**
   * Queues a drain of the conversation if it has unfinished messages: for paths that find work a dead
   * process committed and may not have dispatched (the inbox deciding an event again).
   */
  async resume(conversationId: string): Promise<void> {
    const row = await this.oldestUnfinished(conversationId);
    if (row) await this.dispatch({ conversationId, outboundId: row.id }, Math.max(0, row.nextAttemptAt.getTime() - Date.now()), `resume-${row.attempts}`);
  }

  /** `dispatch` for many new messages at once: one job for them all (one job's queue overhead). */
  async dispatchMany(jobs: OutboundJob[]): Promise<void> {
    if (jobs.length === 0) return;
    if (jobs.length === 1) return this.dispatch(jobs[0]!);
    for (const job of jobs) this.notifier.outboundQueued(job.outboundId);
    try {
      await Promise.race([
        this.queue.add({ batch: jobs }, { ...JOB_DEFAULTS, jobId: `outb-${jobs[0]!.outboundId}-${jobs.length}` }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2000).unref()),
      ]);
    } catch (err) {
      this.logger.warn(`could not queue ${jobs.length} outbound message(s) now (${(err as Error).message}); the sweeper will`);
    }
  }

  /** Queues a drain of the conversation; `key` makes the jobId (Bull ignores a jobId it still holds). */
  async dispatch(job: OutboundJob, delayMs = 0, key: string | number = 0): Promise<void> {
    // The first dispatch follows the commit of a new message (an agent's, the bot's): the desk hears
    // of it here, whoever wrote it. A re-dispatch (sweeper, retry) repeats the event; clients upsert by id.
    if (key === 0 && delayMs === 0) this.notifier.outboundQueued(job.outboundId);
    try {
      await Promise.race([
        this.queue.add(job, { ...JOB_DEFAULTS, jobId: `out-${job.outboundId}-${key}`, delay: delayMs }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2000).unref()),
      ]);
    } catch (err) {
      this.logger.warn(`could not queue outbound ${job.outboundId} now (${(err as Error).message}); the sweeper will`);
    }
  }
}
