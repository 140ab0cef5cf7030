import { DataSource, MigrationExecutor, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import {
  AuditLogEntity,
  ContactEntity,
  ConversationEntity,
  InboxEventEntity,
  IntegrationEntity,
  KeywordRuleEntity,
  BotReplyEntity,
  BotSettingsEntity,
  CannedReplyEntity,
  FaqEntryEntity,
  KfCursorEntity,
  KfAccountEntity,
  KfSessionEntity,
  MediaFileEntity,
  MessageEntity,
  MpMenuEntity,
  MpPassiveReplyEntity,
  MpQrCodeEntity,
  OutboundMessageEntity,
  SystemSettingEntity,
  UserEntity,
  VerificationFileEntity,
} from './entities';
import { MIGRATIONS } from './migrations';

/** TypeORM's logger without query parameters (they hold message text and contact ids), as JSON lines on stderr. */
class ParameterFreeLogger implements TypeOrmLogger {
  private write(level: string, msg: string): void {
    process.stderr.write(`${JSON.stringify({ level, service: 'imbridge', context: 'TypeORM', msg })}\n`);
  }
  logQuery(): void {
    // every query: too much for the log, and parameters hold message text
  }
  logQueryError(error: string | Error, query: string): void {
    this.write('error', `query failed (${typeof error === 'string' ? error : error.message}): ${query.slice(0, 200)}`);
  }
  logQuerySlow(time: number, query: string): void {
    this.write('warn', `slow query (${time} ms): ${query.slice(0, 200)}`);
  }
  logSchemaBuild(): void {
    // schema changes come from migrations only
  }
  logMigration(message: string): void {
    this.write('info', message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.write('warn', String(message));
  }
}

export const ENTITIES = [
  MediaFileEntity,
  VerificationFileEntity,
  UserEntity,
  IntegrationEntity,
  InboxEventEntity,
  ContactEntity,
  ConversationEntity,
  MessageEntity,
  OutboundMessageEntity,
  AuditLogEntity,
  SystemSettingEntity,
  KeywordRuleEntity,
  BotReplyEntity,
  BotSettingsEntity,
  CannedReplyEntity,
  FaqEntryEntity,
  KfCursorEntity,
  KfAccountEntity,
  KfSessionEntity,
  MpPassiveReplyEntity,
  MpMenuEntity,
  MpQrCodeEntity,
];

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  logging?: boolean;
}

/** Schema changes come from migrations only; `synchronize` is never on. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    // Failed queries are reported without their parameters: those hold message text and contact ids.
    logger: new ParameterFreeLogger(),
    logging: settings.logging ? ['error', 'warn', 'migration'] : ['error'],
    extra: { max: settings.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  };
}

// Any number, fixed: serializes migration runs of several processes starting at once.
const MIGRATION_LOCK_ID = 7_340_219_001;

/**
 * Applies pending migrations, one process at a time. Returns the names applied.
 * The lock and the migrations share one connection: taking a second one from the pool while holding
 * the lock would deadlock once the pool is exhausted by callers waiting for that lock.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const executor = new MigrationExecutor(ds, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

export function createDataSource(settings: DatabaseSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}
