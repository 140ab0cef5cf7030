import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { expectEventually } from './eventually';
import { freePort } from './free-port';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A private redis-server child process (no persistence), killable and restartable on one port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('redis-server already running');
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await expectEventually(() => this.ping(), { timeoutMs: 5_000, intervalMs: 20 });
  }

  /** SIGKILL: no shutdown, no save; every key is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private ping(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.setTimeout(500, () => socket.destroy(new Error('timeout')));
      socket.once('error', reject);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        if (d.toString().startsWith('+PONG')) resolve();
        else reject(new Error(`unexpected answer ${d.toString()}`));
      });
    });
  }
}

