import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type MediaFileStatus = 'pending' | 'stored' | 'failed';

/**
 * A file a contact sent (image, voice, video, file), copied from the platform into our storage: the
 * platform's media ids expire (WeCom: 3 days), the copy keeps history viewable. Also an image an agent
 * uploaded to send (`uploadedBy` set; no integration, message or platform id until it is sent).
 */
@Entity({ name: 'media_files' })
@Index('ix_media_files_pending', ['createdAt'], { where: `status = 'pending'` })
export class MediaFileEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Null for an agent's upload. */
  @Column({ name: 'integration_id', type: 'uuid', nullable: true })
  integrationId!: string | null;

  /** The inbound message the file belongs to (at most one file per message); null for an upload. */
  @Column({ name: 'message_id', type: 'uuid', unique: true, nullable: true })
  messageId!: string | null;

  /** The platform's media id of an inbound file; null for an upload. */
  @Column({ name: 'platform_media_id', type: 'varchar', length: 512, nullable: true })
  platformMediaId!: string | null;

  /** The agent who uploaded the file to send; null for inbound media. */
  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy!: string | null;

  @Column({ name: 'content_type', type: 'varchar', length: 128, nullable: true })
  contentType!: string | null;

  @Column({ name: 'file_name', type: 'varchar', length: 255, nullable: true })
  fileName!: string | null;

  @Column({ type: 'bigint', nullable: true })
  size!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  /** Relative to IMBRIDGE_MEDIA_DIR; derived from the content hash, never from user input. */
  @Column({ name: 'stored_path', type: 'varchar', length: 255, nullable: true })
  storedPath!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: MediaFileStatus;

  @Column({ type: 'jsonb', nullable: true })
  error!: { code: string; message: string; platformCode?: string } | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
