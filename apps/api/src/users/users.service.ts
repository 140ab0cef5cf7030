import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { hash, verify } from '@node-rs/argon2';
import type { UserRole, UserView } from '@imbridge/contracts';
import { UserEntity } from '@imbridge/persistence';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditService, type AuditActor } from '../audit/audit.service';

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';
}

// A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH_INPUT = 'imbridge-no-such-user';

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');
  private dummyHash: Promise<string> | undefined;

  constructor(
    @InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  static view(u: UserEntity): UserView {
    return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, canViewAllChats: u.role === 'admin' || u.canViewAllChats, createdAt: u.createdAt.toISOString() };
  }

  async list(): Promise<UserView[]> {
    return (await this.repo.find({ order: { createdAt: 'ASC' } })).map(UsersService.view);
  }

  async create(input: { username: string; password: string; role: UserRole; displayName?: string }, actor: AuditActor): Promise<UserView> {
    const username = input.username.trim();
    if (await this.repo.findOne({ where: { username } })) {
      throw new ApiError(409, 'USERNAME_TAKEN', 'username already exists', '用户名已存在');
    }
    const row = this.repo.create({
      username,
      displayName: input.displayName ?? null,
      passwordHash: await hash(input.password),
      role: input.role,
      disabled: false,
    });
    try {
      await this.repo.insert(row);
    } catch (err) {
      // Two creations of one username at once (or two processes seeding the admin): the unique
      // constraint decides, and the loser gets the same 409 as the check above.
      if (isUniqueViolation(err)) throw new ApiError(409, 'USERNAME_TAKEN', 'username already exists', '用户名已存在');
      throw err;
    }
    await this.audit.record(actor, 'user.create', { type: 'user', id: row.id }, { username, role: input.role });
    return UsersService.view(row);
  }

  /**
   * A new password; the session epoch moves on, so every token issued before stops working at once
   * (on every process). Returns the updated user (its new epoch, for a fresh token of the caller).
   */
  async setPassword(userId: string, password: string, actor: AuditActor): Promise<UserEntity> {
    const passwordHash = await hash(password);
    const [rows]: [{ id: string }[], number] = await this.repo.query(
      `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1 RETURNING id`,
      [userId, passwordHash],
    );
    if (rows.length === 0) throw new ApiError(404, 'NOT_FOUND', 'user not found', '用户不存在');
    await this.audit.record(actor, 'user.password', { type: 'user', id: userId });
    return this.repo.findOneOrFail({ where: { id: userId } });
  }

  /** Returns the user when the password matches; constant work whether or not the user exists. */
  async checkPassword(username: string, password: string): Promise<UserEntity | null> {
    const row = await this.repo.findOne({ where: { username: username.trim() } });
    if (!row || row.disabled) {
      this.dummyHash ??= hash(DUMMY_HASH_INPUT);
      await verify(await this.dummyHash, password).catch(() => false);
      return null;
    }
    return (await verify(row.passwordHash, password).catch(() => false)) ? row : null;
  }

  /**
   * The first administrator: from ADMIN_USERNAME/ADMIN_PASSWORD, or with a generated password printed
   * once. Nothing happens when users exist already.
   */
  async seedAdmin(): Promise<void> {
    if ((await this.repo.count()) > 0) return;
    const username = this.config.adminUsername ?? 'admin';
    const generated = !this.config.adminPassword;
    const password = this.config.adminPassword ?? randomBytes(12).toString('base64url');
    try {
      await this.create({ username, password, role: 'admin', displayName: 'Administrator' }, { id: null, username: 'system' });
    } catch (err) {
      if (err instanceof ApiError && err.getStatus() === 409) return; // another process seeded it
      throw err;
    }
    if (generated) {
      // Printed once, on purpose outside the structured log so it is not shipped to log storage.
      process.stdout.write(
        `\n==========================================================\n` +
          ` imbridge first start: administrator account created\n` +
          `   username: ${username}\n   password: ${password}\n` +
          ` Change it after logging in; it is not shown again.\n` +
          `==========================================================\n\n`,
      );
    }
    this.logger.log(`administrator "${username}" created`);
  }
}
