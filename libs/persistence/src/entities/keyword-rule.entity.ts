import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OutgoingMessage } from '@imbridge/contracts';

export type KeywordMatchType = 'exact' | 'contains' | 'regex';

/** The replies a keyword rule may send: a subset of OutgoingMessage. */
export type KeywordReply = Extract<OutgoingMessage, { type: 'text' | 'image' | 'news' }>;

/** A keyword auto-reply rule; integrationId null = every integration. */
@Entity({ name: 'keyword_rules' })
@Index('ix_keyword_rules_integration', ['integrationId'])
export class KeywordRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'integration_id', type: 'uuid', nullable: true })
  integrationId!: string | null;

  @Column({ type: 'varchar', length: 128, default: '' })
  name!: string;

  @Column({ type: 'jsonb' })
  keywords!: string[];

  @Column({ name: 'match_type', type: 'varchar', length: 16 })
  matchType!: KeywordMatchType;

  @Column({ type: 'int', default: 0 })
  priority!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'jsonb' })
  reply!: KeywordReply;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/**
 * The bot's answer to one inbound message, at most one per inbox event (the primary key): the guard
 * that keeps a re-run of the pipeline from replying twice. `messageId` is set once the reply is queued.
 */
@Entity({ name: 'bot_replies' })
export class BotReplyEntity {
  @PrimaryColumn({ name: 'inbox_event_id', type: 'bigint' })
  inboxEventId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  /** Which pipeline step answered ('keyword'; later steps add their own). */
  @Column({ type: 'varchar', length: 32 })
  source!: string;

  @Column({ name: 'rule_id', type: 'uuid', nullable: true })
  ruleId!: string | null;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
