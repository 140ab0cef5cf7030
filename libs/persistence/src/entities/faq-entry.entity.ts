import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One FAQ knowledge-base entry: a standard question, its paraphrases and the answer; integrationId null = every integration. */
@Entity({ name: 'faq_entries' })
@Index('ix_faq_entries_integration', ['integrationId'])
export class FaqEntryEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'integration_id', type: 'uuid', nullable: true })
  integrationId!: string | null;

  @Column({ type: 'varchar', length: 64, default: '' })
  category!: string;

  @Column({ type: 'varchar', length: 500 })
  question!: string;

  @Column({ name: 'similar_questions', type: 'jsonb' })
  similarQuestions!: string[];

  /** The answer, text with simple markdown (rendered per channel by the sender). */
  @Column({ type: 'text' })
  answer!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
