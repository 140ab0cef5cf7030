import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';

/** pending: not stored yet; deciding: stored, the bot's decision not yet committed; processed; failed. */
export type InboxStatus = 'pending' | 'deciding' | 'processed' | 'failed';

/**
 * Every platform event, stored before the platform gets its answer. The unique key makes retries
 * and duplicates a no-op; rows are kept at least as long as the platform may retry.
 */
@Entity({ name: 'inbox_events' })
@Index('uq_inbox_events_dedupe', ['integrationId', 'dedupeKey'], { unique: true })
@Index('ix_inbox_events_pending', ['integrationId', 'conversationKey', 'id'], { where: `status = 'pending'` })
@Index('ix_inbox_events_deciding', ['integrationId', 'conversationKey', 'id'], { where: `status = 'deciding'` })
@Index('ix_inbox_events_received', ['receivedAt'])
export class InboxEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 255 })
  dedupeKey!: string;

  @Column({ name: 'conversation_key', type: 'varchar', length: 255 })
  conversationKey!: string;

  @Column({ type: 'jsonb' })
  payload!: InboundMessage;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: InboxStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
