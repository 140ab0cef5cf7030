// `npm run bench`: callback ingest through the real stack (API + PostgreSQL + Redis) against a bare
// node:http server doing only verify+decrypt+parse, in the same run. Prints both and their ratio.
// `npm run bench -- --reply-latency`: callback → keyword reply latency at a steady rate.
// `npm run bench -- --kf-pull`: 微信客服 callback → message pulled and stored (and answered).
// `npm run bench -- --mp-passive`: 公众号 callback → passive reply inside the first delivery.
// `npm run bench -- --outbound`: queued replies → sends/s at an unlimited simulator, and a per-integration budget's use.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensurePostgres, ensureRedis, repoRoot, ServiceError } from './services.mjs';

try {
  const pg = await ensurePostgres();
  const redisUrl = await ensureRedis();
  if (process.env.IMBRIDGE_SKIP_BUILD !== 'true') {
    const b = spawnSync('npx', ['nx', 'run', 'api:build', '--outputStyle=stream'], { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, NX_DAEMON: 'false' } });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const r = spawnSync(
    process.execPath,
    [
      '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register',
      join(repoRoot, process.argv.includes('--reply-latency') ? 'scripts/bench/reply-latency.bench.ts' : process.argv.includes('--kf-pull') ? 'scripts/bench/kf-pull-latency.bench.ts' : process.argv.includes('--mp-passive') ? 'scripts/bench/mp-passive.bench.ts' : process.argv.includes('--outbound') ? 'scripts/bench/outbound.bench.ts' : 'scripts/bench/ingest.bench.ts'),
      ...process.argv.slice(2),
    ],
    {
      stdio: 'inherit',
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_PROJECT: join(repoRoot, 'tsconfig.base.json'), BENCH_PG_URL: pg.adminUrl, BENCH_REDIS_URL: redisUrl },
    },
  );
  process.exit(r.status ?? 1);
} catch (err) {
  process.stderr.write(`[bench] ${err instanceof ServiceError ? err.message : (err?.stack ?? err)}\n`);
  process.exit(1);
}
