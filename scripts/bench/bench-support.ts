// Pieces both benchmarks share: arguments, a scratch database, waiting for a server.
import { join } from 'node:path';
import { Client } from 'pg';

export const repoRoot = join(__dirname, '../..');

/** `--name 12` on the command line, else the default. */
export function numArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** Polls a URL until it answers 2xx. */
export async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A fresh database on the server of BENCH_PG_URL; `drop()` removes it. */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new Client({ connectionString: process.env['BENCH_PG_URL'] });
  await admin.connect();
  const name = `imbridge_bench_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(process.env['BENCH_PG_URL']!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** The built API (`dist/apps/api/main.js`, API + worker) as a child process, signed in as the admin. */
export interface BenchApi {
  base: string;
  token: string;
  call<T>(method: string, path: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startBenchApi(databaseUrl: string): Promise<BenchApi> {
  const { spawn } = await import('node:child_process');
  const { randomBytes } = await import('node:crypto');
  const { freePort } = await import('@imbridge/testing');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const api = spawn(process.execPath, [join(repoRoot, 'dist/apps/api/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env['BENCH_REDIS_URL']!,
      IMBRIDGE_REDIS_PREFIX: `imbbench:${Date.now().toString(36)}`,
      IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: base,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'bench-admin-password',
      IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
      IMBRIDGE_SEND_RATE_PER_SECOND: '1000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    if (api.exitCode !== null) return;
    const exited = new Promise((r) => api.once('exit', r));
    api.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  try {
    await waitFor(`${base}/api/health`);
    let token = '';
    const call = async <T>(method: string, path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    token = (await call<{ accessToken: string }>('POST', '/api/auth/login', { username: 'admin', password: 'bench-admin-password' })).accessToken;
    return { base, token, call, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
