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
