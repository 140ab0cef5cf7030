// `npm run bench`: every benchmark in turn, each printing its figures and PASS/FAIL against the
// targets of README "Performance"; exits non-zero when any fails (a target missed, or its data does
// not add up: callbacks vs rows, replies vs messages, sends vs queued).
//   ingest      callback ingest through the real stack vs a bare node:http verify+decrypt+parse, same run
//   reply       callback → keyword reply at 500 msg/s for 20 s (WeCom app), cost per message
//   kf          微信客服: callback → pull → stored and answered, same rate
//   mp          公众号: callback → passive reply in the first delivery, same rate
//   outbound    queued replies → sends/s at an unlimited simulator, and a 50/s budget's use
// One of them: `npm run bench -- --ingest | --reply-latency | --kf-pull | --mp-passive | --outbound [options]`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensurePostgres, ensureRedis, repoRoot, ServiceError } from './services.mjs';

const BENCHES = {
  '--ingest': { file: 'scripts/bench/ingest.bench.ts', all: ['--require-targets'] },
  '--reply-latency': { file: 'scripts/bench/reply-latency.bench.ts', all: ['--rate', '500', '--duration', '20'] },
  '--kf-pull': { file: 'scripts/bench/kf-pull-latency.bench.ts', all: ['--rate', '500', '--duration', '20', '--customers', '400'] },
  '--mp-passive': { file: 'scripts/bench/mp-passive.bench.ts', all: ['--rate', '500', '--duration', '20', '--users', '2000'] },
  '--outbound': { file: 'scripts/bench/outbound.bench.ts', all: [] },
};

try {
  const pg = await ensurePostgres();
  const redisUrl = await ensureRedis();
  if (process.env.IMBRIDGE_SKIP_BUILD !== 'true') {
    const b = spawnSync('npx', ['nx', 'run', 'api:build', '--outputStyle=stream'], { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, NX_DAEMON: 'false' } });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const run = (file, args) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(repoRoot, file), ...args], {
      stdio: 'inherit',
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_PROJECT: join(repoRoot, 'tsconfig.base.json'), BENCH_PG_URL: pg.adminUrl, BENCH_REDIS_URL: redisUrl },
    }).status ?? 1;
  const args = process.argv.slice(2);
  const chosen = Object.keys(BENCHES).find((flag) => args.includes(flag));
  if (chosen) process.exit(run(BENCHES[chosen].file, args.filter((a) => a !== chosen)));
  const results = [];
  for (const [flag, b] of Object.entries(BENCHES)) {
    process.stdout.write(`\n===== npm run bench -- ${flag} ${b.all.join(' ')} =====\n`);
    results.push([flag, run(b.file, [...b.all, ...args])]);
  }
  process.stdout.write('\n===== summary =====\n');
  for (const [flag, status] of results) process.stdout.write(`${status === 0 ? 'PASS' : 'FAIL'}  ${flag}\n`);
  process.exit(results.every(([, s]) => s === 0) ? 0 : 1);
} catch (err) {
  process.stderr.write(`[bench] ${err instanceof ServiceError ? err.message : (err?.stack ?? err)}\n`);
  process.exit(1);
}
