import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { OutgoingMessage } from '@imbridge/contracts';

/**
 * `awaiting_pickup`: a 公众号 account that can only reply passively holds the message until the user's
 * next callback hands it out (see apps/api/src/mp).
 */
export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'dead' | 'awaiting_pickup';

/**
 * The durable outbox. A row is written before its job is queued (jobId = row id); the processor
 * sends the oldest unfinished row of a conversation first, so order holds across processes.
 */
@Entity({ name: 'outbound_messages' })
@Index('ix_outbound_conversation_seq', ['conversationId', 'seq'])
@Index('ix_outbound_unfinished', ['nextAttemptAt'], { where: `status IN ('queued', 'sending')` })
export class OutboundMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Insertion order; the send order within a conversation. */
  @Column({ type: 'bigint', generated: 'increment' })
  seq!: string;

  @Column({ name: 'message_id', type: 'uuid', unique: true })
  messageId!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ type: 'jsonb' })
  recipient!: { externalId: string; kind: 'user' | 'chat' };

  @Column({ type: 'jsonb' })
  payload!: OutgoingMessage;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status!: OutboundStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: { code: string; message: string; platformCode?: string; retryable: boolean } | null;

  @Column({ name: 'platform_message_ids', type: 'jsonb', nullable: true })
  platformMessageIds!: string[] | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  /**
   * 公众号 passive replies: how many characters of this message's text were already handed out in
   * pages (a long answer continues on the user's next message, e.g. 「继续」).
   */
  @Column({ name: 'pickup_offset', type: 'int', default: 0 })
  pickupOffset!: number;
}
