import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { KfContactLink, KfHandoffTarget, KfPipeline, KfWelcome } from '@imbridge/contracts';

/**
 * 微信客服: one kf account (open_kfid) as an integration serves it: the administrator's choices
 * (served, pipeline, handoff, welcome, end message) and the contact links generated for it. The
 * name/avatar are a copy of kf/account/list, refreshed when the console lists the accounts.
 */
@Entity({ name: 'kf_accounts' })
export class KfAccountEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @PrimaryColumn({ name: 'open_kfid', type: 'varchar', length: 64 })
  openKfId!: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  avatar!: string | null;

  /** An account without a row is served with the defaults; the administrator may turn one off. */
  @Column({ type: 'boolean', default: true })
  served!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'bot' })
  pipeline!: KfPipeline;

  @Column({ type: 'varchar', length: 16, default: 'console' })
  handoff!: KfHandoffTarget;

  @Column({ name: 'servicer_userid', type: 'varchar', length: 64, nullable: true })
  servicerUserId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  welcome!: KfWelcome | null;

  @Column({ name: 'end_message', type: 'text', nullable: true })
  endMessage!: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  links!: KfContactLink[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
