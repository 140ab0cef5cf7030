// Callback ingest benchmark. See scripts/bench.mjs; run with `npm run bench [-- --duration 10]`.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort } from '@imbridge/testing';
import { benchDatabase, numArg, repoRoot, waitFor } from './bench-support';
import { decodeEncodingAesKey, wxEncrypt, wxSignature } from '@imbridge/crypto';

const root = repoRoot;
const arg = numArg;
const DURATION = arg('duration', 10);
const CONNECTIONS = arg('connections', 64);
const WARMUP = arg('warmup', 3);

const corpId = 'ww0123456789abcdef';
const token = 'BenchToken123';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** Distinct, valid, encrypted WeCom text messages. */
function payloads(n: number): { query: string; body: string }[] {
  const key = decodeEncodingAesKey(encodingAesKey);
  const ts = String(Math.floor(Date.now() / 1000));
  const base = BigInt('7100000000000000000') + BigInt(Date.now()) * 1000n;
  const out: { query: string; body: string }[] = [];
  for (let i = 0; i < n; i++) {
    const msgId = String(base + BigInt(i));
    const inner = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[user${i % 500}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好，请问价格是多少？ #${i}]]></Content><MsgId>${msgId}</MsgId><AgentID>1000002</AgentID></xml>`;
    const encrypt = wxEncrypt(key, inner, corpId);
    const nonce = String(100000 + (i % 900000));
    out.push({
      query: `msg_signature=${wxSignature(token, ts, nonce, encrypt)}&timestamp=${ts}&nonce=${nonce}`,
      body: `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`,
    });
  }
  return out;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

async function load(url: string, path: string, data: { query: string; body: string }[], start: number, seconds: number): Promise<Measured & { used: number }> {
  let i = start;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        setupRequest: (req) => {
          const p = data[i++ % data.length]!;
          return { ...req, path: `${path}?${p.query}`, body: p.body };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
    used: i - start,
  };
}

async function main(): Promise<void> {
  const redisUrl = process.env['BENCH_REDIS_URL']!;
  const database = await benchDatabase();
  const dbUrl = database.url;
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children) c.kill('SIGKILL');
    await database.drop();
  };
  try {
    const n = Math.max(20_000, Math.ceil((DURATION + WARMUP) * 12_000));
    process.stdout.write(`generating ${n} encrypted messages …\n`);
    const data = payloads(n);

    // Baseline
    const basePort = await freePort();
    const baseline = fork(join(__dirname, 'baseline-server.ts'), [], {
      env: { ...process.env, PORT: String(basePort), BENCH_TOKEN: token, BENCH_CORP_ID: corpId, BENCH_AES_KEY: encodingAesKey },
      execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    });
    children.push(baseline);
    await new Promise((r) => baseline.once('message', r));
    const baseUrl = `http://127.0.0.1:${basePort}`;
    await load(baseUrl, '/cb', data, 0, WARMUP);
    const base = await load(baseUrl, '/cb', data, 0, DURATION);
    baseline.kill('SIGTERM');

    // The real stack: API process (HTTP role) with PostgreSQL and Redis.
    const apiPort = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      IMBRIDGE_REDIS_PREFIX: `imbbench:${Date.now().toString(36)}`,
      IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'bench-admin-password',
      IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'warn',
      IMBRIDGE_ROLE: 'api',
    };
    const api = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
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
      body: JSON.stringify({ platform: 'wecom', name: 'bench', config: { corpId, agentId: 1000002, secret: 'S'.repeat(43), token, encodingAesKey } }),
    })).json()) as { id: string };
    const path = `/callbacks/wecom/${created.id}`;
    const warm = await load(`http://127.0.0.1:${apiPort}`, path, data, 0, WARMUP);
    const real = await load(`http://127.0.0.1:${apiPort}`, path, data, warm.used, DURATION);
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    const stored = Number((await db.query('SELECT count(*) AS n FROM inbox_events')).rows[0].n);

    // Then a worker drains what was accepted (not part of the ingest figure).
    const t0 = Date.now();
    const worker = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], { env: { ...env, IMBRIDGE_ROLE: 'worker', IMBRIDGE_SWEEP_INTERVAL_MS: '2000', IMBRIDGE_INBOX_STALE_MS: '0' }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(worker);
    let pending = stored;
    while (pending > 0 && Date.now() - t0 < 180_000) {
      await new Promise((r) => setTimeout(r, 1000));
      pending = Number((await db.query(`SELECT count(*) AS n FROM inbox_events WHERE status = 'pending'`)).rows[0].n);
    }
    const drainS = (Date.now() - t0) / 1000;
    const storedFinal = Number((await db.query('SELECT count(*) AS n FROM inbox_events')).rows[0].n);
    const messages = Number((await db.query(`SELECT count(*) AS n FROM messages`)).rows[0].n);
    await db.end();

    const ratio = real.rps / base.rps;
    const fmt = (name: string, m: Measured) =>
      `${name.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   non-2xx ${m.non2xx}   errors ${m.errors}`;
    process.stdout.write(`\nCallback ingest, ${CONNECTIONS} connections, ${DURATION} s (after ${WARMUP} s warm-up), distinct MsgIds\n`);
    process.stdout.write(`${fmt('bare node:http verify+decrypt+parse', base)}\n`);
    process.stdout.write(`${fmt('imbridge API (PostgreSQL + Redis)', real)}\n`);
    process.stdout.write(`ratio ${ratio.toFixed(2)} (target ≥ 0.60), p99 ${real.p99} ms (target ≤ 30 ms)\n`);
    process.stdout.write(`${warm.total + real.total} callbacks answered 200, ${storedFinal} inbox events stored; a worker then turned them into ${messages} messages in ${drainS.toFixed(1)} s (${pending} still pending)\n`);
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
