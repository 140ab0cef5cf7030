import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A canned reply agents insert with its shortcut (typing `/shortcut` in the composer). */
@Entity({ name: 'canned_replies' })
@Index('uq_canned_replies_shortcut', ['shortcut'], { unique: true })
export class CannedReplyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  shortcut!: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  title!: string;

  @Column({ type: 'text' })
  text!: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
