import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { register } from 'tsconfig-paths';
import { templateDatabaseName } from './test-database';
import { testPgAdminUrl, withDatabase } from './test-env';

/** Jest maps path aliases for test files only; the global setup resolves them itself. */
function loadPersistence(): typeof import('@imbridge/persistence') {
  const root = join(__dirname, '../../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compilerOptions } = require(join(root, 'tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } };
  register({ baseUrl: root, paths: compilerOptions.paths });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@imbridge/persistence') as typeof import('@imbridge/persistence');
}

/** Once per run: a run id, and a template database with every migration applied. */
export default async function globalSetup(): Promise<void> {
  const { createDataSource, runMigrations } = loadPersistence();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env['IMBRIDGE_TEST_RUN_ID'] = runId;
  const admin = new Client({ connectionString: testPgAdminUrl() });
  await admin.connect();
  try {
    await dropStaleRuns(admin);
    await admin.query(`CREATE DATABASE "${templateDatabaseName(runId)}"`);
  } finally {
    await admin.end();
  }
  const ds = createDataSource({ url: withDatabase(testPgAdminUrl(), templateDatabaseName(runId)), poolSize: 2 });
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

/** Databases of runs that crashed more than a day ago. */
async function dropStaleRuns(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'imbridge\\_%'`);
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const { datname } of rows) {
    const m = /^imbridge_([0-9a-z]+?)([0-9a-f]{6})_/.exec(datname);
    const started = m?.[1] ? parseInt(m[1], 36) : NaN;
    if (Number.isFinite(started) && started < dayAgo) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}
