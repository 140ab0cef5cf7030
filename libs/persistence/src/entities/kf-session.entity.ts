import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * 微信客服: WeCom's session state (kf/service_state) of one kf conversation as we last saw or set it,
 * so the desk can show it and the sync knows whether WeCom must be told. One row per conversation.
 */
@Entity({ name: 'kf_sessions' })
export class KfSessionEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ name: 'open_kfid', type: 'varchar', length: 64 })
  openKfId!: string;

  @Column({ name: 'external_userid', type: 'varchar', length: 128 })
  externalUserId!: string;

  /** 0–4; null = never synced. */
  @Column({ name: 'service_state', type: 'smallint', nullable: true })
  serviceState!: number | null;

  @Column({ name: 'servicer_userid', type: 'varchar', length: 64, nullable: true })
  servicerUserId!: string | null;

  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true })
  syncedAt!: Date | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: { code: string; message: string; messageZh?: string; platformCode?: string } | null;
}
