// Callback ingest benchmark. See scripts/bench.mjs; run with `npm run bench [-- --duration 10 --rounds 3]`.
//
// Two servers, measured in the same run on the same machine, in interleaved rounds (baseline, API,
// baseline, API, …): a bare node:http server doing only verify + decrypt + parse (the protocol's limit,
// baseline-server.ts) and the real API (IMBRIDGE_ROLE=api: the inbox row is committed before the 200).
// The medians of the rounds give the ratio, judged against the targets. Where `taskset` exists, the
// server under load runs on core 1 and this process (the load generator) on core 0.
//
// The run fails loudly (exit 1) when its data does not add up: any non-2xx answer or connection error,
// inbox rows stored ≠ distinct callbacks answered 200, or inbound messages after the worker's drain ≠
// rows. Callbacks in flight when a round's load stops are sent again (as a platform would retry) so
// that every callback sent was answered 200 once. The Redis keys of the run's prefix are deleted at the
// end, also on failure. `--require-targets`: a missed target exits 2. `--profile PREFIX`: the API's
// CPU is sampled during its measured rounds and written to PREFIX.1.cpuprofile (summary printed).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort } from '@imbridge/testing';
import { benchDatabase, deleteRedisKeys, numArg, postgresCpuSeconds, redisCpuSeconds, repoRoot, waitFor } from './bench-support';
import { BENCH_AES_KEY, BENCH_CORP_ID, BENCH_TOKEN, wecomTextPayloads, type WecomPayload } from './wecom-payloads';

const DURATION = numArg('duration', 10);
const CONNECTIONS = numArg('connections', 64);
const WARMUP = numArg('warmup', 3);
const ROUNDS = Math.max(1, numArg('rounds', 3));
/**
 * Distinct callbacks generated per second of API load before the first round; before each later round
 * the stock is topped up to 1.5 × the best rate seen so far (outside the measured windows).
 */
const MAX_RATE = numArg('max-rate', 15_000);
/** The baseline stores nothing: it cycles through the first callbacks. */
const BASELINE_SET = 50_000;
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 30;
const REQUIRE_TARGETS = process.argv.includes('--require-targets');
const PROFILE = ((): string | undefined => {
  const i = process.argv.indexOf('--profile');
  return i > 0 ? process.argv[i + 1] : undefined;
})();

/** A problem with the run's data: the figures cannot be trusted. */
class BenchDataError extends Error {}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  total: number;
  /** Server CPU (user + system) per answered request, µs. */
  cpuPerRequest: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** CPU time (user + system) a process has used, µs (Linux /proc; 0 elsewhere). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks
  } catch {
    return 0;
  }
}

/** Which payload each answered request carried (per connection one request at a time). */
interface Tracking {
  sent: Set<number>;
  answered: Set<number>;
  statuses: Map<number, number>;
}

interface LoadTarget {
  url: string;
  path: string;
  pid: number | undefined;
}

/**
 * `seconds` of load at CONNECTIONS connections. Payloads are taken in order from `next.value` (wrapping
 * only when `wrap`: the baseline stores nothing, the API must see each callback once).
 */
async function load(target: LoadTarget, data: WecomPayload[], next: { value: number }, seconds: number, wrap: boolean, track?: Tracking): Promise<Round> {
  let exhausted = false;
  const cpu0 = cpuMicros(target.pid);
  const result = await autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        setupRequest: (req, context) => {
          let i = next.value++;
          if (wrap) i %= Math.min(data.length, BASELINE_SET);
          else if (i >= data.length) {
            exhausted = true;
            i %= data.length;
          }
          const p = data[i]!;
          track?.sent.add(i);
          (context as { idx?: number }).idx = i;
          return { ...req, path: `${target.path}?${p.query}`, body: p.body };
        },
        onResponse: (status, _body, context) => {
          const idx = (context as { idx?: number }).idx;
          if (track && idx !== undefined) {
            track.answered.add(idx);
            track.statuses.set(status, (track.statuses.get(status) ?? 0) + 1);
          }
        },
      },
    ],
  });
  const cpu = cpuMicros(target.pid) - cpu0;
  if (exhausted) throw new BenchDataError(`ran out of distinct callbacks (${data.length} generated): the API was faster than the stock allowed; raise --max-rate (${MAX_RATE})`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result.requests.total,
    cpuPerRequest: result.requests.total > 0 ? cpu / result.requests.total : NaN,
  };
}

/** Sends the callbacks a stopped round left unanswered once more (a platform's retry); each must get a 200. */
async function resendUnanswered(target: LoadTarget, data: WecomPayload[], track: Tracking): Promise<number> {
  const missing = [...track.sent].filter((i) => !track.answered.has(i));
  for (const i of missing) {
    const p = data[i]!;
    const res = await fetch(`${target.url}${target.path}?${p.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: p.body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new BenchDataError(`a callback sent again after the round stopped got ${res.status}, not 200`);
    track.answered.add(i);
    track.statuses.set(res.status, (track.statuses.get(res.status) ?? 0) + 1);
  }
  return missing.length;
}

function checkRound(name: string, r: Round): void {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new BenchDataError(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts (every callback must be answered 2xx)`);
  }
  if (r.total === 0) throw new BenchDataError(`${name}: no request was answered`);
}

const taskset = ((): boolean => spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0)() && !process.argv.includes('--no-pin');
/** `cmd args` pinned to core 1 when taskset is there. */
const pinned = (cmd: string, args: string[]): [string, string[]] => (taskset ? ['taskset', ['-c', '1', cmd, ...args]] : [cmd, args]);

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

async function main(): Promise<number> {
  const redisUrl = process.env['BENCH_REDIS_URL']!;
  const redisPrefix = `imbbench:${Date.now().toString(36)}`;
  const database = await benchDatabase();
  const dbUrl = database.url;
  const children: ChildProcess[] = [];
  let db: Client | undefined;
  try {
    if (taskset) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    const firstId = BigInt('7100000000000000000') + BigInt(Date.now()) * 1000n;
    const data: WecomPayload[] = [];
    /** Tops the stock up to `n` distinct callbacks (MsgIds continue from the last one). */
    const stock = (n: number): void => {
      if (n <= data.length) return;
      process.stdout.write(`generating ${n - data.length} encrypted callbacks with distinct MsgIds …\n`);
      for (const p of wecomTextPayloads(n - data.length, firstId + BigInt(data.length))) data.push(p);
    };
    stock(Math.max(BASELINE_SET, Math.ceil((WARMUP + DURATION) * MAX_RATE)));

    // The yardstick.
    const basePort = await freePort();
    const [bcmd, bargs] = pinned(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'baseline-server.ts')]);
    const baseline = spawn(bcmd, bargs, {
      env: { ...process.env, PORT: String(basePort), BENCH_TOKEN, BENCH_CORP_ID, BENCH_AES_KEY },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(baseline);
    await new Promise((resolve, reject) => {
      baseline.once('message', resolve);
      baseline.once('exit', (code) => reject(new Error(`the baseline server exited (${code})`)));
    });
    const base: LoadTarget = { url: `http://127.0.0.1:${basePort}`, path: '/cb', pid: baseline.pid };

    // The real stack: API process (HTTP role) with PostgreSQL and Redis.
    const apiPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      IMBRIDGE_REDIS_PREFIX: redisPrefix,
      IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'bench-admin-password',
      IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'warn',
    };
    const profileArgs = PROFILE ? ['-r', join(__dirname, 'cpu-profile.cjs')] : [];
    const [acmd, aargs] = pinned(process.execPath, [...profileArgs, join(repoRoot, 'dist/apps/api/main.js')]);
    const api = spawn(acmd, aargs, { env: { ...env, IMBRIDGE_ROLE: 'api', ...(PROFILE ? { BENCH_CPU_PROFILE: PROFILE } : {}) }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(api);
    await waitFor(`http://127.0.0.1:${apiPort}/api/health`);
    const login = (await (await fetch(`http://127.0.0.1:${apiPort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
    })).json()) as { accessToken: string };
    const created = (await (await fetch(`http://127.0.0.1:${apiPort}/api/integrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.accessToken}` },
      body: JSON.stringify({ platform: 'wecom', name: 'bench', config: { corpId: BENCH_CORP_ID, agentId: 1000002, secret: 'S'.repeat(43), token: BENCH_TOKEN, encodingAesKey: BENCH_AES_KEY } }),
    })).json()) as { id: string };
    const apiTarget: LoadTarget = { url: `http://127.0.0.1:${apiPort}`, path: `/callbacks/wecom/${created.id}`, pid: api.pid };
    /** The API process's PostgreSQL statements and Redis commands so far (published each second). */
    const counters = async (): Promise<{ pg: number; redis: number }> => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/metrics`, { headers: { authorization: `Bearer ${login.accessToken}` } });
      if (!res.ok) return { pg: NaN, redis: NaN };
      const m = (await res.json()) as { processes: { role: string; pgStatements: number; redisCommands: number }[] };
      const p = m.processes.filter((x) => x.role === 'api');
      return { pg: p.reduce((a, x) => a + x.pgStatements, 0), redis: p.reduce((a, x) => a + x.redisCommands, 0) };
    };

    const baseNext = { value: 0 };
    const apiNext = { value: 0 };
    const track: Tracking = { sent: new Set(), answered: new Set(), statuses: new Map() };
    process.stdout.write(`warming up both servers (${WARMUP} s each) …\n`);
    checkRound('baseline warm-up', await load(base, data, baseNext, WARMUP, true));
    checkRound('API warm-up', await load(apiTarget, data, apiNext, WARMUP, false, track));
    let resent = await resendUnanswered(apiTarget, data, track);

    const baseRounds: Round[] = [];
    const apiRounds: Round[] = [];
    const perCallback: { pg: number; redis: number; pgCpu: number; redisCpu: number }[] = [];
    let bestRate = MAX_RATE;
    for (let r = 1; r <= ROUNDS; r++) {
      stock(apiNext.value + Math.ceil(DURATION * bestRate * 1.5));
      const b = await load(base, data, baseNext, DURATION, true);
      checkRound(`baseline round ${r}`, b);
      baseRounds.push(b);
      // The API idled through the baseline round: its published counters are current.
      const c0 = await counters();
      const servers0 = { pg: await postgresCpuSeconds(), redis: await redisCpuSeconds(redisUrl) };
      if (PROFILE && r === 1) api.kill('SIGWINCH');
      const a = await load(apiTarget, data, apiNext, DURATION, false, track);
      if (PROFILE && r === ROUNDS) api.kill('SIGWINCH');
      const servers1 = { pg: await postgresCpuSeconds(), redis: await redisCpuSeconds(redisUrl) };
      checkRound(`API round ${r}`, a);
      apiRounds.push(a);
      bestRate = Math.max(bestRate, a.rps);
      resent += await resendUnanswered(apiTarget, data, track);
      await new Promise((res) => setTimeout(res, 1_500)); // one more publication of the counters
      const c1 = await counters();
      perCallback.push({
        pg: (c1.pg - c0.pg) / a.total,
        redis: (c1.redis - c0.redis) / a.total,
        pgCpu: ((servers1.pg - servers0.pg) * 1e6) / a.total,
        redisCpu: ((servers1.redis - servers0.redis) * 1e6) / a.total,
      });
      process.stdout.write(`round ${r}: baseline ${b.rps.toFixed(0)} req/s (p99 ${b.p99} ms), API ${a.rps.toFixed(0)} req/s (p99 ${a.p99} ms)\n`);
    }

    // Every callback sent was answered 200 once (in its round or sent again): each is one inbox row.
    const non200 = [...track.statuses].filter(([s]) => s !== 200);
    if (non200.length > 0) throw new BenchDataError(`the API answered ${non200.map(([s, c]) => `${c} × ${s}`).join(', ')}`);
    if (track.answered.size !== track.sent.size) throw new BenchDataError(`${track.sent.size} callbacks sent, ${track.answered.size} answered`);
    db = new Client({ connectionString: dbUrl });
    await db.connect();
    const count = async (sql: string): Promise<number> => Number((await db!.query(sql)).rows[0].n);
    const rows = await count('SELECT count(*) AS n FROM inbox_events');
    if (rows !== track.answered.size) {
      throw new BenchDataError(`${track.answered.size} distinct callbacks answered 200, but ${rows} inbox rows stored`);
    }

    // A worker then drains what was accepted (not part of the ingest figure).
    const t0 = Date.now();
    const worker = spawn(process.execPath, [join(repoRoot, 'dist/apps/api/main.js')], {
      env: { ...env, PORT: String(await freePort()), IMBRIDGE_ROLE: 'worker', IMBRIDGE_SWEEP_INTERVAL_MS: '2000', IMBRIDGE_INBOX_STALE_MS: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(worker);
    const drainLimitMs = Math.max(180_000, rows * 3); // ≥ 333 rows/s, or it counts as stuck
    let pending = rows;
    while (pending > 0 && Date.now() - t0 < drainLimitMs) {
      await new Promise((r) => setTimeout(r, 1000));
      pending = await count(`SELECT count(*) AS n FROM inbox_events WHERE status NOT IN ('processed', 'failed')`);
    }
    const drainS = (Date.now() - t0) / 1000;
    const failed = await count(`SELECT count(*) AS n FROM inbox_events WHERE status = 'failed'`);
    const messagesIn = await count(`SELECT count(*) AS n FROM messages WHERE direction = 'in'`);

    // The report.
    const med = (rs: Round[]) => ({
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpu: median(rs.map((r) => r.cpuPerRequest)),
    });
    const mb = med(baseRounds);
    const ma = med(apiRounds);
    const ratio = ma.rps / mb.rps;
    const line = (name: string, m: ReturnType<typeof med>) =>
      `${name.padEnd(40)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${m.p50.toFixed(0).padStart(3)} ms   p99 ${m.p99.toFixed(0).padStart(3)} ms   server CPU ${m.cpu.toFixed(0).padStart(4)} µs/request`;
    const out = process.stdout;
    out.write(`\nCallback ingest: encrypted WeCom text callbacks, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION} s (after ${WARMUP} s warm-up each), medians\n`);
    if (PROFILE) out.write('PROFILED: the API figures include the sampling profiler\'s overhead; do not compare them with unprofiled runs\n');
    out.write(taskset ? 'pinned: the server under load on core 1 (taskset -c 1), this load generator on core 0; PostgreSQL and Redis unpinned\n' : 'not pinned (taskset not found or --no-pin): server and load generator share the cores\n');
    out.write(`${line('bare node:http verify+decrypt+parse', mb)}\n`);
    out.write(`${line('imbridge API (PostgreSQL + Redis)', ma)}\n`);
    out.write(
      `  per callback in the API: ${median(perCallback.map((c) => c.pg)).toFixed(3)} PostgreSQL statements, ${median(perCallback.map((c) => c.redis)).toFixed(3)} Redis commands (batched inserts and dispatches); ` +
        `server CPU ${median(perCallback.map((c) => c.pgCpu)).toFixed(0)} µs PostgreSQL, ${median(perCallback.map((c) => c.redisCpu)).toFixed(0)} µs Redis (machine-wide: other work on the machine counts too)\n`,
    );
    const ratioOk = ratio >= TARGET_RATIO;
    const p99Ok = ma.p99 <= TARGET_P99_MS;
    out.write(`ratio ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO.toFixed(2)}): ${ratioOk ? 'PASS' : 'FAIL'}\n`);
    out.write(`API p99 ${ma.p99.toFixed(0)} ms (target ≤ ${TARGET_P99_MS} ms): ${p99Ok ? 'PASS' : 'FAIL'}\n`);
    out.write(
      `${track.answered.size} distinct callbacks answered 200 (${resent} of them in flight when a round stopped, sent again), ${rows} inbox rows stored; ` +
        `a worker then turned them into ${messagesIn} inbound messages in ${drainS.toFixed(1)} s (${failed} failed, ${pending} still pending)\n`,
    );
    if (pending > 0 || failed > 0 || messagesIn !== rows) {
      throw new BenchDataError(`after the drain: ${rows} inbox rows, ${messagesIn} inbound messages, ${failed} failed, ${pending} pending`);
    }
    await db.end();
    db = undefined;
    if (PROFILE) {
      await stopChild(api); // the profile was written when the last round ended
      spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'profile-summary.ts'), `${PROFILE}.1.cpuprofile`], { stdio: 'inherit', env: { ...process.env, TS_NODE_PROJECT: join(repoRoot, 'tsconfig.base.json') } });
    }
    return REQUIRE_TARGETS && !(ratioOk && p99Ok) ? 2 : 0;
  } finally {
    await db?.end().catch(() => undefined);
    await Promise.all(children.map(stopChild));
    await database.drop();
    await deleteRedisKeys(redisUrl, redisPrefix);
    const left = await countRedisKeys(redisUrl, redisPrefix);
    process.stdout.write(`Redis keys of this run (${redisPrefix}:*) deleted; ${left} left\n`);
  }
}

async function countRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const { default: Redis } = await import('ioredis');
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  } finally {
    r.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof BenchDataError ? `BENCH DATA DOES NOT ADD UP: ${err.message}` : `bench failed: ${(err as Error).stack ?? String(err)}`;
    process.stderr.write(`\n${msg}\n`);
    process.exit(1);
  },
);
