import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PlatformId } from '@imbridge/contracts';

/** A secret field at rest: SecretBox ciphertext (bound to row and field) plus what the console may show. */
export interface StoredSecret {
  sealed: string;
  last4: string;
  updatedAt: string;
}

@Entity({ name: 'integrations' })
export class IntegrationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  platform!: PlatformId;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  // A JSON default (not a raw SQL `'{}'::jsonb`), so TypeORM compares it with the database's as JSON
  // and the schema check sees no drift from the migration.
  /** Non-secret fields only. */
  @Column({ type: 'jsonb', default: {} })
  config!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: {} })
  secrets!: Record<string, StoredSecret>;

  /** Platform calls per second shared by every process; null: the default (operator's, else the platform's). */
  @Column({ name: 'send_rate_per_second', type: 'integer', nullable: true })
  sendRatePerSecond!: number | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: { code: string; message: string; at: string } | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
