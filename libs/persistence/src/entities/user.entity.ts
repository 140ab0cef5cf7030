import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { UserRole } from '@imbridge/contracts';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 128, nullable: true })
  displayName!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: UserRole;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Tokens carry the epoch they were issued in; bumping it (password change) ends them all. */
  @Column({ name: 'session_epoch', type: 'int', default: 0 })
  sessionEpoch!: number;

  /** An administrator's grant: this agent sees every chat (reads only; replying still needs the chat assigned to them). */
  @Column({ name: 'can_view_all_chats', type: 'boolean', default: false })
  canViewAllChats!: boolean;

  /** How many chats auto-assignment gives this agent at most at once. */
  @Column({ type: 'int', default: 5 })
  capacity!: number;

  /** When auto-assignment last gave this agent a chat: the round-robin order (oldest first). */
  @Column({ name: 'last_assigned_at', type: 'timestamptz', nullable: true })
  lastAssignedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
