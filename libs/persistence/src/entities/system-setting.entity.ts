import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small key/value settings, e.g. the master-key canary checked at start-up. */
@Entity({ name: 'system_settings' })
export class SystemSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;
}
