import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageDirection, MessageStatus } from '@imbridge/contracts';

/** One message of a conversation, in either direction; what agents see. */
@Entity({ name: 'messages' })
@Index('ix_messages_conversation', ['conversationId', 'createdAt'])
// An expression index ((content->>'mediaFileId'), migration 1764300000000) TypeORM cannot describe: left alone.
@Index('IDX_messages_media_file', { synchronize: false })
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  /** 'in' from the customer, 'out' to the customer, 'note' an agents-only internal note (never sent). */
  @Column({ type: 'varchar', length: 8 })
  direction!: MessageDirection;

  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ type: 'text', nullable: true })
  text!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  content!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 16 })
  status!: MessageStatus;

  @Column({ type: 'jsonb', nullable: true })
  error!: { code: string; message: string; platformCode?: string } | null;

  @Column({ name: 'platform_message_id', type: 'varchar', length: 255, nullable: true })
  platformMessageId!: string | null;

  /** Set for inbound messages: at most one message per inbox event. */
  @Column({ name: 'inbox_event_id', type: 'bigint', nullable: true, unique: true })
  inboxEventId!: string | null;

  @Column({ name: 'author_id', type: 'uuid', nullable: true })
  authorId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
