// `npm start`: finds or starts PostgreSQL and Redis, builds, and runs the API with the console on
// http://localhost:3000 (PORT to change). The first start creates the administrator (ADMIN_USERNAME /
// ADMIN_PASSWORD, or a generated password printed once) and a master key in .data/master.key.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDatabase, ensurePostgres, ensureRedis, repoRoot, run, ServiceError } from './services.mjs';

function masterKey() {
  if (process.env.IMBRIDGE_MASTER_KEY) return process.env.IMBRIDGE_MASTER_KEY;
  const file = join(repoRoot, '.data', 'master.key');
  if (!existsSync(file)) {
    mkdirSync(join(repoRoot, '.data'), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    process.stderr.write(`[start] generated a master key in ${file}: back it up; secrets stored in the database need it\n`);
  }
  return readFileSync(file, 'utf8').trim();
}

async function main() {
  const pg = await ensurePostgres();
  const databaseUrl = pg.fromEnv ? process.env.DATABASE_URL : await ensureDatabase(pg.adminUrl, 'imbridge');
  const redisUrl = await ensureRedis();
  if (process.env.IMBRIDGE_SKIP_BUILD !== 'true') run('npx', ['nx', 'run-many', '-t', 'build', '--projects=api,console', '--parallel=1', '--outputStyle=stream']);
  const port = process.env.PORT ?? '3000';
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    IMBRIDGE_MASTER_KEY: masterKey(),
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
