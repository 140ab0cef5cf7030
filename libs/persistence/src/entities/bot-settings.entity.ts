import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { BotExternalAppConfig, BotStepSetting } from '@imbridge/contracts';

/**
 * The bot pipeline of one integration: step order and on/off, FAQ threshold, external app, fallback
 * text, handoff rules. No row = the defaults (`DEFAULT_BOT_SETTINGS`). The external app's API key or
 * HMAC secret is stored encrypted (SecretBox, AAD bound to this row and column) in `appSecretEnc`.
 */
@Entity({ name: 'bot_settings' })
export class BotSettingsEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ type: 'jsonb' })
  steps!: BotStepSetting[];

  @Column({ name: 'faq_threshold', type: 'real', default: 0.3 })
  faqThreshold!: number;

  @Column({ name: 'faq_suggestions', type: 'boolean', default: true })
  faqSuggestions!: boolean;

  @Column({ name: 'fallback_text', type: 'text', nullable: true })
  fallbackText!: string | null;

  /** Hand the chat to agents after this many unanswered messages in a row; 0 = never. */
  @Column({ name: 'handoff_after_failures', type: 'int', default: 3 })
  handoffAfterFailures!: number;

  @Column({ name: 'handoff_keywords', type: 'jsonb', nullable: true })
  handoffKeywords!: string[] | null;

  @Column({ name: 'auto_assign', type: 'boolean', default: true })
  autoAssign!: boolean;

  @Column({ name: 'external_app', type: 'jsonb', nullable: true })
  externalApp!: BotExternalAppConfig | null;

  @Column({ name: 'app_secret_enc', type: 'text', nullable: true })
  appSecretEnc!: string | null;

  @Column({ name: 'app_secret_last4', type: 'varchar', length: 8, nullable: true })
  appSecretLast4!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
