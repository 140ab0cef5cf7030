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

/** The built API (`dist/apps/api/main.js`) as child processes, signed in as the admin. */
export interface BenchApi {
  base: string;
  /** Every API-serving process's base URL (one per `apis`; the first is `base`). */
  bases: string[];
  token: string;
  call<T>(method: string, path: string, body: unknown): Promise<T>;
  /** Counters of every process (GET /api/metrics). */
  metrics(): Promise<MetricsView>;
  stop(): Promise<void>;
}

// What GET /api/metrics answers: the API's own types, not a copy of them.
export type { ProcessSnapshot } from '../../apps/api/src/metrics/process-stats';
export type { MetricsView } from '../../apps/api/src/metrics/metrics.controller';
import type { MetricsView } from '../../apps/api/src/metrics/metrics.controller';

/**
 * `apis` × IMBRIDGE_ROLE=api and `workers` × IMBRIDGE_ROLE=worker; with no workers, one process of
 * role `all` (API + worker, the default deployment).
 */
export interface BenchTopology {
  apis?: number;
  workers?: number;
  env?: Record<string, string>;
}

export async function startBenchApi(databaseUrl: string, topology: BenchTopology = {}): Promise<BenchApi> {
  const { spawn } = await import('node:child_process');
  const { randomBytes } = await import('node:crypto');
  const { freePort } = await import('@imbridge/testing');
  const apis = Math.max(1, topology.apis ?? 1);
  const workers = Math.max(0, topology.workers ?? 0);
  const prefix = `imbbench:${Date.now().toString(36)}`;
  const masterKey = randomBytes(32).toString('base64');
  const ports: number[] = [];
  for (let i = 0; i < apis; i++) ports.push(await freePort());
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  const base = bases[0]!;
  const env = (port: number | null, role: string): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['BENCH_REDIS_URL']!,
    IMBRIDGE_REDIS_PREFIX: prefix,
    IMBRIDGE_MASTER_KEY: masterKey,
    ...(port ? { PORT: String(port) } : {}),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: base,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'bench-admin-password',
    IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
    IMBRIDGE_SEND_RATE_PER_SECOND: '1000',
    LOG_LEVEL: 'warn',
    IMBRIDGE_ROLE: role,
    ...topology.env,
  });
  const children: import('node:child_process').ChildProcess[] = [];
  const start = (port: number | null, role: string) => {
    // BENCH_PROFILE_DIR: each process writes a V8 CPU profile there when it exits.
    const profile = process.env['BENCH_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`] : [];
    const child = spawn(process.execPath, [...profile, join(repoRoot, 'dist/apps/api/main.js')], { env: env(port, role), stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
  };
  // The first process migrates and seeds alone; the others start once it answers.
  start(ports[0]!, workers === 0 ? 'all' : 'api');
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (c.exitCode === null) c.kill('SIGKILL');
      }),
    );
    await deleteRedisKeys(process.env['BENCH_REDIS_URL']!, prefix);
  };
  try {
    await waitFor(`${base}/api/health`);
    for (let i = 1; i < apis; i++) start(ports[i]!, 'api');
    for (let i = 0; i < workers; i++) start(null, 'worker');
    for (const b of bases) await waitFor(`${b}/api/health`);
    let token = '';
    const call = async <T>(method: string, path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    token = (await call<{ accessToken: string }>('POST', '/api/auth/login', { username: 'admin', password: 'bench-admin-password' })).accessToken;
    const expected = apis + workers;
    const metrics = () => call<MetricsView>('GET', '/api/metrics', undefined);
    // Every process has published its counters once.
    const until = Date.now() + 30_000;
    while ((await metrics()).processes.length < expected) {
      if (Date.now() > until) throw new Error(`only some of the ${expected} processes report their counters`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { base, bases, token, call, metrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Removes a bench run's Redis keys (SCAN + UNLINK of its own prefix). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** CPU seconds used so far by every PostgreSQL server process on this machine (Linux /proc). */
export async function postgresCpuSeconds(): Promise<number> {
  const { readdir, readFile } = await import('node:fs/promises');
  let ticks = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (comm !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

/** CPU seconds the Redis server has used (INFO cpu). */
export async function redisCpuSeconds(redisUrl: string): Promise<number> {
  const { default: Redis } = await import('ioredis');
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await r.info('cpu');
    const get = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return get('used_cpu_sys') + get('used_cpu_user');
  } finally {
    r.disconnect();
  }
}

/** Percentile of a sorted list. */
export const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * The cost per message between two metrics readings, by process role: PostgreSQL statements, Redis
 * commands and CPU (µs), plus the PostgreSQL and Redis servers' CPU and the bench process's own
 * (the simulator runs in it).
 */
export interface CostReading {
  metrics: MetricsView;
  pgCpu: number;
  redisCpu: number;
  benchCpu: NodeJS.CpuUsage;
}
export async function readCost(api: BenchApi): Promise<CostReading> {
  return { metrics: await api.metrics(), pgCpu: await postgresCpuSeconds(), redisCpu: await redisCpuSeconds(process.env['BENCH_REDIS_URL']!), benchCpu: process.cpuUsage() };
}
export function costReport(before: CostReading, after: CostReading, messages: number): { text: string; pgPerMessage: number; redisPerMessage: number; nodeCpuMsPerMessage: number } {
  const byRole = new Map<string, { cpu: number; pg: number; redis: number }>();
  for (const p of after.metrics.processes) {
    const b = before.metrics.processes.find((x) => x.id === p.id);
    const r = byRole.get(p.role) ?? { cpu: 0, pg: 0, redis: 0 };
    r.cpu += p.cpuMicros - (b?.cpuMicros ?? 0);
    r.pg += p.pgStatements - (b?.pgStatements ?? 0);
    r.redis += p.redisCommands - (b?.redisCommands ?? 0);
    byRole.set(p.role, r);
  }
  let pg = 0;
  let redis = 0;
  let cpu = 0;
  const lines: string[] = [];
  for (const [role, r] of [...byRole].sort()) {
    pg += r.pg;
    redis += r.redis;
    cpu += r.cpu;
    lines.push(`  ${role.padEnd(7)} ${(r.pg / messages).toFixed(1).padStart(6)} PostgreSQL statements   ${(r.redis / messages).toFixed(1).padStart(6)} Redis commands   ${(r.cpu / messages / 1000).toFixed(2).padStart(6)} ms Node CPU  per message`);
  }
  const benchCpu = (after.benchCpu.user + after.benchCpu.system - before.benchCpu.user - before.benchCpu.system) / 1000 / messages;
  lines.push(`  servers  PostgreSQL ${(((after.pgCpu - before.pgCpu) * 1000) / messages).toFixed(2)} ms CPU, Redis ${(((after.redisCpu - before.redisCpu) * 1000) / messages).toFixed(2)} ms CPU, bench + simulator ${benchCpu.toFixed(2)} ms CPU per message`);
  if (process.env['IMBRIDGE_STATS_STATEMENTS'] === 'true') {
    const diff = new Map<string, number>();
    for (const p of after.metrics.processes) {
      const b = before.metrics.processes.find((x) => x.id === p.id);
      for (const [k, v] of Object.entries(p.statements ?? {})) diff.set(k, (diff.get(k) ?? 0) + v - (b?.statements?.[k] ?? 0));
    }
    lines.push('  by statement (per message):');
    for (const [k, v] of [...diff].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1])) lines.push(`    ${(v / messages).toFixed(2).padStart(6)}  ${k}`);
  }
  const text = `per message (all imbridge processes: ${(pg / messages).toFixed(1)} statements, ${(redis / messages).toFixed(1)} commands, ${(cpu / messages / 1000).toFixed(2)} ms CPU):\n${lines.join('\n')}\n`;
  return { text, pgPerMessage: pg / messages, redisPerMessage: redis / messages, nodeCpuMsPerMessage: cpu / messages / 1000 };
}
