import { Inject, Injectable, Logger } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import { DataSource } from 'typeorm';
import { DESK_EVENT, type DeskEvent } from '@imbridge/contracts';
import { MessageEntity } from '@imbridge/persistence';
import { RedisService } from '../common/redis.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CONVERSATION_SELECT, type ConversationRow, conversationView } from '../conversations/conversation-view';
import { messageView } from '../conversations/message-view';
import { type ConversationChange, conversationRooms, messageRooms, PRESENCE_ROOMS } from './desk-rooms';
import { PresenceService } from './presence.service';
import { DeskListeners } from './desk-listeners.service';

/** The Redis key prefix socket.io's adapter and emitter share (namespaced by the app's prefix). */
export function socketIoKey(config: Pick<AppConfig, 'redisPrefix'>): string {
  return `${config.redisPrefix}:socket.io`;
}

/**
 * Tells the desk (every API process's connected consoles) what changed. Callable from any process
 * role: events go through Redis (@socket.io/redis-emitter) to every API process's socket.io server.
 * Every method is fire-and-forget and never throws; callers call it after their transaction
 * committed, and the payload is loaded fresh, so an event never shows uncommitted data. While no
 * console is connected anywhere (DeskListeners), events are not built at all.
 */
@Injectable()
export class DeskNotifier {
  private readonly logger = new Logger('DeskNotifier');
  private readonly emitter: Emitter;
  /** Events leave in the order they were asked for (a status update never overtakes its creation). */
  private chain: Promise<void> = Promise.resolve();
  private readonly queueListeners = new Set<() => void>();

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly presence: PresenceService,
    private readonly listeners: DeskListeners,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // The emitter ignores publish's promise; a rejected one (Redis away) must not become an unhandled rejection.
    const client = {
      publish: (channel: string, message: string | Buffer) =>
        this.redis.client.publish(channel, message).catch((err: Error) => {
          this.logger.warn(`desk event not published: ${err.message}`);
          return 0;
        }),
    };
    this.emitter = new Emitter(client, { key: socketIoKey(config) });
  }

  /** The conversation's state, assignee, unread count or last message changed. */
  conversationChanged(conversationId: string, change: ConversationChange = {}): void {
    this.enqueue(async () => {
      const rows: ConversationRow[] = await this.ds.query(`${CONVERSATION_SELECT} WHERE c.id = $1`, [conversationId]);
      const row = rows[0];
      if (!row) return;
      const conversation = conversationView(row);
      this.emit(conversationRooms(conversation, change), { type: 'conversation.updated', conversation });
    });
  }

  /** A message row was inserted (inbound, outbound or note). */
  messageCreated(messageId: string): void {
    this.enqueue(() => this.emitMessage('message.created', messageId));
  }

  /** A message's delivery status changed. */
  messageUpdated(messageId: string): void {
    this.enqueue(() => this.emitMessage('message.updated', messageId));
  }

  /** An outbox row was queued for the first time: its message is new, and so is the chat's last message. */
  outboundQueued(outboundId: string): void {
    this.enqueue(async () => {
      const rows: { message_id: string; conversation_id: string }[] = await this.ds.query('SELECT message_id, conversation_id FROM outbound_messages WHERE id = $1', [outboundId]);
      if (!rows[0]) return;
      await this.emitMessage('message.created', rows[0].message_id);
      this.conversationChanged(rows[0].conversation_id);
    });
  }

  /** An agent's presence, capacity or active chat count changed. */
  presenceChanged(userId: string): void {
    this.enqueue(async () => {
      const [agent] = await this.presence.agents(userId);
      if (agent) this.emit(PRESENCE_ROOMS, { type: 'presence.updated', agent });
    });
  }

  /** A chat entered the queue or an agent freed capacity: run auto-assignment. */
  queueChanged(): void {
    for (const listener of this.queueListeners) {
      try {
        listener();
      } catch (err) {
        this.logger.warn(`queue listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Auto-assignment subscribes here (a listener rather than an injection keeps the DI graph acyclic). */
  onQueueChanged(listener: () => void): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  /** Resolves when every event asked for so far has been published (tests, shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async emitMessage(type: 'message.created' | 'message.updated', messageId: string): Promise<void> {
    const msg = await this.ds.getRepository(MessageEntity).findOne({ where: { id: messageId } });
    if (!msg) return;
    const rows: { state: ConversationRow['state']; assignee_id: string | null }[] = await this.ds.query('SELECT state, assignee_id FROM conversations WHERE id = $1', [msg.conversationId]);
    const conv = rows[0];
    if (!conv) return;
    this.emit(messageRooms({ state: conv.state, assigneeId: conv.assignee_id }), { type, conversationId: msg.conversationId, message: messageView(msg) });
  }

  private emit(rooms: string[], event: DeskEvent): void {
    this.emitter.to(rooms).emit(DESK_EVENT, event);
  }

  private enqueue(task: () => Promise<void>): void {
    // Nobody at any console: the event (its reads and its publish) would reach no one. A console that
    // connects later loads the current state itself.
    if (!this.listeners.anyone) return;
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.logger.warn(`desk event failed: ${(err as Error).message ?? String(err)}`);
    });
  }
}
