// `npm start`: finds or starts PostgreSQL and Redis, builds, and runs the API with the console on
// http://localhost:3000 (PORT to change). The first start creates the administrator (ADMIN_USERNAME /
// ADMIN_PASSWORD, or a generated password printed once) and a master key in .data/master.key.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureDatabase, ensurePostgres, ensureRedis, repoRoot, run, ServiceError } from './services.mjs';

let generatedKey = false;

function masterKey() {
  if (process.env.IMBRIDGE_MASTER_KEY) return process.env.IMBRIDGE_MASTER_KEY;
  const file = join(repoRoot, '.data', 'master.key');
  if (!existsSync(file)) {
    generatedKey = true;
    mkdirSync(join(repoRoot, '.data'), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    process.stderr.write(`[start] generated a master key in ${file}: back it up; secrets stored in the database need it\n`);
  }
  return readFileSync(file, 'utf8').trim();
}

/** True when the database was initialised by imbridge (it holds the master-key canary). */
async function hasStoredSecrets(url) {
  const { Client } = createRequire(import.meta.url)('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT to_regclass('system_settings') IS NOT NULL AS t`);
    if (!rows[0].t) return false;
    return (await client.query(`SELECT 1 FROM system_settings WHERE key = 'master_key_canary'`)).rowCount > 0;
  } finally {
    await client.end();
  }
}

async function main() {
  const pg = await ensurePostgres();
  const dbName = process.env.IMBRIDGE_DB_NAME ?? 'imbridge';
  const databaseUrl = pg.fromEnv ? process.env.DATABASE_URL : await ensureDatabase(pg.adminUrl, dbName);
  const key = masterKey();
  if (generatedKey && !pg.fromEnv && (await hasStoredSecrets(databaseUrl))) {
    // A new checkout (new .data/master.key) meeting a database another checkout initialised.
    throw new ServiceError(
      `The database "${dbName}" already holds secrets encrypted by another imbridge checkout's master key, ` +
        `and this checkout just generated a new one. Either copy that checkout's .data/master.key here ` +
        `(or set IMBRIDGE_MASTER_KEY), or start with a fresh database: IMBRIDGE_DB_NAME=imbridge_2 npm start`,
    );
  }
  const redisUrl = await ensureRedis();
  if (process.env.IMBRIDGE_SKIP_BUILD !== 'true') run('npx', ['nx', 'run-many', '-t', 'build', '--projects=api,console', '--parallel=1', '--outputStyle=stream']);
  const port = process.env.PORT ?? '3000';
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    IMBRIDGE_MASTER_KEY: key,
    PORT: port,
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://localhost:${port}`,
    IMBRIDGE_CONSOLE_DIR: process.env.IMBRIDGE_CONSOLE_DIR ?? join(repoRoot, 'dist/apps/console'),
  };
  process.stderr.write(`[start] imbridge on http://localhost:${port}  (API docs: /api/docs)\n`);
  const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist/apps/api/main.js')], { stdio: 'inherit', env, cwd: repoRoot });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

main().catch((err) => {
  process.stderr.write(`[start] ${err instanceof ServiceError ? err.message : (err?.stack ?? err)}\n`);
  process.exit(1);
});
