/**
 * Where tests find PostgreSQL and Redis. scripts/test.mjs sets these (finding or starting the
 * servers); the defaults match the services of a developer machine.
 */
export function testPgAdminUrl(): string {
  return process.env['IMBRIDGE_TEST_PG_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function testRedisUrl(): string {
  return process.env['IMBRIDGE_TEST_REDIS_URL'] ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** Unique per `npm test` run (set by the global setup), so runs never collide. */
export function testRunId(): string {
  const id = process.env['IMBRIDGE_TEST_RUN_ID'];
  if (!id) throw new Error('IMBRIDGE_TEST_RUN_ID is not set: run tests through the root jest config (npm test)');
  return id;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
