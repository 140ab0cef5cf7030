import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, type EntityManager } from 'typeorm';
import { menuAsText, type MessageView, type OutgoingMessage } from '@imbridge/contracts';
import { ContactEntity, ConversationEntity, MessageEntity, OutboundMessageEntity } from '@imbridge/persistence';
import { messageView } from '../conversations/message-view';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { ApiError, notFound } from '../common/api-error';
import { JOB_DEFAULTS, OUTBOUND_QUEUE, type OutboundJob } from '../queue/queues';

/** Kept here too: other modules import the message view from the outbound service. */
export { messageView } from '../conversations/message-view';

function textOf(message: OutgoingMessage): string | null {
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
    @InjectQueue(OUTBOUND_QUEUE) private readonly queue: Queue<OutboundJob>,
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
    {
      // Row lock first: concurrent replies to one conversation then take their outbox seq in commit
      // order, and the sender (oldest seq first) can never see a later reply before an earlier one.
      const conversation = await m.findOne(ConversationEntity, { where: { id: conversationId }, lock: { mode: 'pessimistic_write' } });
      if (!conversation) throw notFound('conversation', '会话');
      const contact = await m.findOneOrFail(ContactEntity, { where: { id: conversation.contactId } });
      const msg = m.create(MessageEntity, {
        conversationId,
        integrationId: conversation.integrationId,
        direction: 'out',
        type: message.type,
        text: textOf(message),
        // A plain text needs nothing more; anything else (an event-code text included) keeps its payload.
        content: message.type === 'text' && !message.eventCode ? null : (message as unknown as Record<string, unknown>),
        status: 'queued',
        error: null,
        platformMessageId: null,
        inboxEventId: null,
        authorId,
        createdAt: new Date(),
        sentAt: null,
      });
      await m.save(msg);
      const outbound = m.create(OutboundMessageEntity, {
        messageId: msg.id,
        integrationId: conversation.integrationId,
        conversationId,
        recipient: { externalId: contact.externalId, kind: 'user' },
        payload: message,
        status: 'queued',
      });
      await m.save(outbound);
      await m.update(ConversationEntity, { id: conversationId }, { lastMessageAt: new Date(), lastMessagePreview: (textOf(message) ?? `[${message.type}]`).slice(0, 200) });
      return { msg, outbound };
    }
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

  /** The conversation's oldest message not yet sent or given up: the one the outbox sends next. */
  oldestUnfinished(conversationId: string): Promise<OutboundMessageEntity | null> {
    return this.ds.getRepository(OutboundMessageEntity).findOne({
      where: [
        { conversationId, status: 'queued' },
        { conversationId, status: 'sending' },
      ],
      order: { seq: 'ASC' },
    });
  }

  /**
   * Queues a drain of the conversation if it has unfinished messages: for paths that find work a dead
   * process committed and may not have dispatched (the inbox deciding an event again).
   */
  async resume(conversationId: string): Promise<void> {
    const row = await this.oldestUnfinished(conversationId);
    if (row) await this.dispatch({ conversationId, outboundId: row.id }, Math.max(0, row.nextAttemptAt.getTime() - Date.now()), `resume-${row.attempts}`);
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
