import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * 微信客服: the stored sync_msg `next_cursor` of one kf account (open_kfid) of an integration. Written
 * in the same transaction as the page's inbox events, so a crash never loses or replays a page.
 * `primedAt` null = the first pull (skipping history before setup) has not finished yet.
 */
@Entity({ name: 'kf_cursors' })
export class KfCursorEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @PrimaryColumn({ name: 'open_kfid', type: 'varchar', length: 64 })
  openKfId!: string;

  @Column({ type: 'text', default: '' })
  cursor!: string;

  @Column({ name: 'primed_at', type: 'timestamptz', nullable: true })
  primedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
