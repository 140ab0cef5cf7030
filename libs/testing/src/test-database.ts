import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { testPgAdminUrl, testRedisUrl, testRunId, withDatabase } from './test-env';

// Jest loads this module afresh for every test file, so names must not come from a module counter.
const unique = (): string => randomBytes(4).toString('hex');

export function templateDatabaseName(runId: string): string {
  return `imbridge_${runId}_tpl`;
}

/**
 * A fresh database for one test file, copied from the run's migrated template (fast), dropped with
 * the run. Tests use real PostgreSQL, never an in-memory substitute.
 */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const runId = testRunId();
  const name = `imbridge_${runId}_${unique()}`;
  const admin = new Client({ connectionString: testPgAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabaseName(runId)}"`);
  } finally {
    await admin.end();
  }
  return { url: withDatabase(testPgAdminUrl(), name), name };
}

/** A Redis key prefix of this run and file; the global teardown deletes the run's keys. */
export function createTestRedisPrefix(): string {
  return `imbt:${testRunId()}:${unique()}`;
}

export async function deleteRedisKeys(pattern: string, url = testRedisUrl()): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
