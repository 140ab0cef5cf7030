import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { MpMenu } from '@imbridge/contracts';

/**
 * 公众号 passive replies: the one reply handed out for an inbound callback (integration + dedupe key,
 * i.e. the MsgId or the event's composite key). Every later delivery of the same callback gets this
 * same reply again, so one MsgId never produces two different answers.
 */
@Entity({ name: 'mp_passive_replies' })
export class MpPassiveReplyEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @PrimaryColumn({ name: 'dedupe_key', type: 'varchar', length: 255 })
  dedupeKey!: string;

  @Column({ name: 'conversation_id', type: 'uuid', nullable: true })
  conversationId!: string | null;

  /** answer (queued answers handed out), parking (the "still thinking" text), welcome. */
  @Column({ type: 'varchar', length: 16 })
  kind!: 'answer' | 'parking' | 'welcome';

  /** The reply as built (before encryption): `{type:'text', text}` or `{type:'image', mediaId}`. */
  @Column({ type: 'jsonb' })
  reply!: { type: 'text'; text: string } | { type: 'image'; mediaId: string };

  /** Outbound rows (fully or partly) delivered by this reply. */
  @Column({ name: 'outbound_ids', type: 'jsonb', default: () => `'[]'` })
  outboundIds!: string[];

  /** Which delivery of the callback (1 = first, WeChat retries twice) got the reply. */
  @Column({ type: 'smallint', default: 1 })
  delivery!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

/** 公众号 custom menu: the administrator's draft and what was last published with menu/create. */
@Entity({ name: 'mp_menus' })
export class MpMenuEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ type: 'jsonb', nullable: true })
  draft!: MpMenu | null;

  @Column({ type: 'jsonb', nullable: true })
  published!: MpMenu | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** 公众号 parameterized QR code (qrcode/create) with the welcome text for users who scan it. */
@Entity({ name: 'mp_qr_codes' })
@Unique('UQ_mp_qr_codes_scene', ['integrationId', 'scene'])
export class MpQrCodeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** scene_str (or a scene_id written as digits). */
  @Column({ type: 'varchar', length: 64 })
  scene!: string;

  @Column({ type: 'boolean' })
  permanent!: boolean;

  @Column({ type: 'text' })
  ticket!: string;

  /** The QR code's content (`http://weixin.qq.com/q/…`): the console draws the code from it. */
  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'welcome_text', type: 'text', nullable: true })
  welcomeText!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
