// `npm test`: every unit, integration and end-to-end test, against real PostgreSQL and Redis
// (found or started by services.mjs) and Debian's Chromium (installed when missing and allowed).
// Each run uses its own databases and Redis key prefix, so runs never collide.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, ensurePostgres, ensureRedis, repoRoot, ServiceError } from './services.mjs';

const say = (msg) => process.stdout.write(`\n[test] ${msg}\n`);

function step(name, cmd, args, env = process.env) {
  say(name);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: repoRoot, env });
  return r.status === 0;
}

function chromium() {
  const bin = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(bin)) return bin;
  if (aptInstall('chromium') && existsSync(bin)) return bin;
  throw new ServiceError('End-to-end tests need Chromium: install Debian\'s chromium package (apt-get install chromium) or set CHROMIUM_PATH');
}

/**
 * Screenshots of the zh-CN console need a Chinese font (otherwise every character is a box). Best
 * effort: the tests themselves do not depend on it.
 */
function chineseFont() {
  const found = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim() !== '') return;
  try {
    aptInstall('fonts-wqy-zenhei');
  } catch (err) {
    say(`no Chinese font for screenshots (${err instanceof Error ? err.message : String(err)}); continuing`);
  }
}

async function main() {
  const pg = await ensurePostgres();
  const redisUrl = await ensureRedis();
  const env = {
    ...process.env,
    IMBRIDGE_TEST_PG_URL: pg.adminUrl,
    IMBRIDGE_TEST_REDIS_URL: redisUrl,
    CHROMIUM_PATH: chromium(),
    NX_DAEMON: 'false',
  };
  chineseFont();
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const outDir = join(repoRoot, 'tmp', 'test-results');
  mkdirSync(outDir, { recursive: true });

  const results = { passed: 0, failed: 0 };
  let ok = true;
  ok = step('build (api, console, platform-sim)', 'npx', ['nx', 'run-many', '-t', 'build', '--projects=api,console,platform-sim', '--parallel=1', '--outputStyle=stream'], env) && ok;
  ok = step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.check.json', '--noEmit'], env) && ok;
  ok = step('typecheck console', 'npx', ['tsc', '-p', 'apps/console/tsconfig.json', '--noEmit'], env) && ok;
  // Module boundaries, no floating promises, exhaustive switches: errors fail the run.
  ok = step('lint', 'npx', ['eslint', 'apps', 'libs', 'tools', '--quiet'], env) && ok;

  const jestOut = join(outDir, 'jest.json');
  const jestOk = step('jest: libs, API integration, simulator, end-to-end', 'npx', ['jest', '--ci', '--maxWorkers=2', '--json', `--outputFile=${jestOut}`], env);
  ok = jestOk && ok;
  if (existsSync(jestOut)) {
    const j = JSON.parse(readFileSync(jestOut, 'utf8'));
    results.passed += j.numPassedTests;
    results.failed += j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
  } else if (!jestOk) results.failed += 1;

  const vitestOut = join(outDir, 'vitest.json');
  const vitestOk = step('vitest: console', 'npx', ['vitest', 'run', '--config', 'apps/console/vite.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestOut}`], env);
  ok = vitestOk && ok;
  if (existsSync(vitestOut)) {
    const v = JSON.parse(readFileSync(vitestOut, 'utf8'));
    results.passed += v.numPassedTests;
    results.failed += v.numFailedTests;
  } else if (!vitestOk) results.failed += 1;

  if (!ok && results.failed === 0) results.failed = 1; // a build or typecheck step failed
  process.stdout.write(`\nTests: ${results.passed} passed, ${results.failed} failed\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`[test] ${err instanceof ServiceError ? err.message : (err?.stack ?? err)}\n`);
  process.exit(1);
});
