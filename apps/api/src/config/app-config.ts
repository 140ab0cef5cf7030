import { join, resolve as resolvePath } from 'node:path';
import { SEND_RATE_MAX, SEND_RATE_MIN } from '@imbridge/contracts';
import { parseMasterKey } from '@imbridge/crypto';

export type ProcessRole = 'api' | 'worker' | 'all';

/** Everything the process reads from its environment, validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  publicBaseUrl: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  masterKeys: Buffer[];
  role: ProcessRole;
  allowPrivateUrls: boolean;
  adminUsername: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  consoleDir: string | undefined;
  sweepIntervalMs: number;
  inboxStaleMs: number;
  outboundStaleMs: number;
  /** Recovery rounds (start-up, Redis or PostgreSQL back) take work untouched this long. */
  recoveryGraceMs: number;
  /**
   * IMBRIDGE_SEND_RATE_PER_SECOND: the operator's send budget for every integration that has none of
   * its own (instead of its platform's default); undefined when not set.
   */
  sendRatePerSecond: number | undefined;
  /** First retry delay of a failed send (doubles per attempt; rate-limit errors start at 5×). */
  retryBaseMs: number;
  sessionTtlSeconds: number;
  dbPoolSize: number;
  /** Where inbound media files are stored (IMBRIDGE_MEDIA_DIR; default `<cwd>/.data/media`). */
  mediaDir: string;
  /**
   * Origins allowed to make cookie-authenticated changes and open the desk socket: PUBLIC_BASE_URL's
   * origin plus IMBRIDGE_CONSOLE_ORIGINS (comma-separated, e.g. a console behind another host name).
   * A request whose Origin host equals its Host header (no proxy rewriting it) is same-origin anyway.
   */
  consoleOrigins: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const intOf = (env: NodeJS.ProcessEnv, key: string, def: number, problems: string[], min = 0): number => {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`${key} must be a whole number ≥ ${min} (got "${raw}")`);
    return def;
  }
  return n;
};

function sendRateOf(env: NodeJS.ProcessEnv, problems: string[]): number | undefined {
  const raw = env['IMBRIDGE_SEND_RATE_PER_SECOND'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < SEND_RATE_MIN || n > SEND_RATE_MAX) {
    problems.push(`IMBRIDGE_SEND_RATE_PER_SECOND must be a whole number ${SEND_RATE_MIN}..${SEND_RATE_MAX} (got "${raw}")`);
    return undefined;
  }
  return n;
}

function consoleOriginsOf(publicBaseUrl: string, raw: string | undefined, problems: string[]): string[] {
  const origins = new Set<string>();
  try {
    origins.add(new URL(publicBaseUrl).origin);
  } catch {
    // PUBLIC_BASE_URL is checked on its own
  }
  for (const item of (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    try {
      const u = new URL(item);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
      origins.add(u.origin);
    } catch {
      problems.push(`IMBRIDGE_CONSOLE_ORIGINS must be comma-separated http(s) origins (got "${item}")`);
    }
  }
  return [...origins];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const port = intOf(env, 'PORT', 3000, problems, 0);
  const databaseUrl = env['DATABASE_URL'] ?? '';
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be set to a postgres:// URL');
  const redisUrl = env['REDIS_URL'] ?? '';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must be set to a redis:// URL');

  const masterKeys: Buffer[] = [];
  const rawKey = env['IMBRIDGE_MASTER_KEY'];
  if (!rawKey) {
    problems.push('IMBRIDGE_MASTER_KEY must be set (32 random bytes, e.g. `openssl rand -base64 32`); it encrypts secrets at rest');
  } else {
    for (const [i, k] of [rawKey, ...(env['IMBRIDGE_MASTER_KEY_PREVIOUS'] ?? '').split(',')].entries()) {
      if (i > 0 && k.trim() === '') continue;
      try {
        masterKeys.push(parseMasterKey(k.trim()));
      } catch (err) {
        problems.push(`${i === 0 ? 'IMBRIDGE_MASTER_KEY' : 'IMBRIDGE_MASTER_KEY_PREVIOUS'}: ${(err as Error).message}`);
      }
    }
  }

  const role = (env['IMBRIDGE_ROLE'] ?? 'all') as ProcessRole;
  if (!['api', 'worker', 'all'].includes(role)) problems.push('IMBRIDGE_ROLE must be api, worker or all');

  const publicBaseUrl = (env['PUBLIC_BASE_URL'] ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicBaseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    problems.push(`PUBLIC_BASE_URL must be an http(s) URL (got "${publicBaseUrl}")`);
  }

  const redisPrefix = env['IMBRIDGE_REDIS_PREFIX'] ?? 'imbridge';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(redisPrefix)) problems.push('IMBRIDGE_REDIS_PREFIX may hold letters, digits, : _ - only');

  const config: AppConfig = {
    port,
    host: env['HOST'] ?? '0.0.0.0',
    publicBaseUrl,
    databaseUrl,
    redisUrl,
    redisPrefix,
    masterKeys,
    role,
    allowPrivateUrls: env['IMBRIDGE_ALLOW_PRIVATE_URLS'] === 'true',
    adminUsername: env['ADMIN_USERNAME'] || undefined,
    adminPassword: env['ADMIN_PASSWORD'] || undefined,
    logLevel: env['LOG_LEVEL'] ?? 'info',
    consoleDir: env['IMBRIDGE_CONSOLE_DIR'] || undefined,
    sweepIntervalMs: intOf(env, 'IMBRIDGE_SWEEP_INTERVAL_MS', 15_000, problems, 100),
    inboxStaleMs: intOf(env, 'IMBRIDGE_INBOX_STALE_MS', 10_000, problems, 0),
    outboundStaleMs: intOf(env, 'IMBRIDGE_OUTBOUND_STALE_MS', 60_000, problems, 0),
    recoveryGraceMs: intOf(env, 'IMBRIDGE_RECOVERY_GRACE_MS', 2_000, problems, 0),
    sendRatePerSecond: sendRateOf(env, problems),
    retryBaseMs: intOf(env, 'IMBRIDGE_RETRY_BASE_MS', 1_000, problems, 1),
    sessionTtlSeconds: intOf(env, 'IMBRIDGE_SESSION_TTL_SECONDS', 12 * 3600, problems, 60),
    dbPoolSize: intOf(env, 'IMBRIDGE_DB_POOL_SIZE', 10, problems, 2),
    mediaDir: resolvePath(env['IMBRIDGE_MEDIA_DIR'] || join(process.cwd(), '.data', 'media')),
    consoleOrigins: consoleOriginsOf(publicBaseUrl, env['IMBRIDGE_CONSOLE_ORIGINS'], problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
