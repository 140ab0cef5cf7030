import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConversationState } from '@imbridge/contracts';

@Entity({ name: 'conversations' })
@Index('uq_conversations_contact', ['integrationId', 'contactId'], { unique: true })
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ name: 'contact_id', type: 'uuid' })
  contactId!: string;

  @Column({ type: 'varchar', length: 16, default: 'bot' })
  state!: ConversationState;

  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId!: string | null;

  @Column({ name: 'last_message_at', type: 'timestamptz', nullable: true })
  lastMessageAt!: Date | null;

  @Column({ name: 'last_inbound_at', type: 'timestamptz', nullable: true })
  lastInboundAt!: Date | null;

  @Column({ name: 'last_message_preview', type: 'varchar', length: 200, nullable: true })
  lastMessagePreview!: string | null;

  /** Customer messages the assignee has not read yet (reset by POST /api/conversations/:id/read). */
  @Column({ name: 'unread_count', type: 'int', default: 0 })
  unreadCount!: number;

  /** Customer messages in a row that the bot could not answer; reset when it answers. */
  @Column({ name: 'bot_failures', type: 'int', default: 0 })
  botFailures!: number;

  /** When the chat last entered the queue (handoff): the queue's order, oldest first. */
  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;

  /** 微信客服: the WeCom servicer answering from the WeCom client (desk read-only); null otherwise. */
  @Column({ name: 'external_servicer', type: 'varchar', length: 64, nullable: true })
  externalServicer!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
