import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A platform's domain-verification file (WeCom `WW_verify_*.txt`, MP `MP_verify_*.txt`), served at
 * the site root by every API process.
 */
@Entity({ name: 'verification_files' })
export class VerificationFileEntity {
  @PrimaryColumn({ name: 'file_name', type: 'varchar', length: 128 })
  fileName!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
