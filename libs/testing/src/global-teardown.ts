import { Client } from 'pg';
import { deleteRedisKeys } from './test-database';
import { testPgAdminUrl } from './test-env';

/** Drops every database and Redis key the run created. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env['IMBRIDGE_TEST_RUN_ID'];
  if (!runId) return;
  const admin = new Client({ connectionString: testPgAdminUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`imbridge\\_${runId}\\_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await deleteRedisKeys(`imbt:${runId}:*`);
}
