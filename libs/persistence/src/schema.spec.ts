import { createTestDatabase } from '@imbridge/testing';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from './data-source';
import { MIGRATIONS } from './migrations';

describe('schema', () => {
  let ds: DataSource;

  beforeAll(async () => {
    const db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('starts from a database with every migration applied', async () => {
    const rows = await ds.query<{ name: string }[]>('SELECT name FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('has entities that agree with the migrations (no pending schema change)', async () => {
    const sql = await ds.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('runs migrations idempotently', async () => {
    await expect(runMigrations(ds)).resolves.toEqual([]);
    await expect(runMigrations(ds)).resolves.toEqual([]);
    const rows = await ds.query<{ count: string }[]>('SELECT count(*)::text AS count FROM schema_migrations');
    expect(rows[0]?.count).toBe(String(MIGRATIONS.length));
  });

  it('does not deadlock when concurrent runs share a small pool', async () => {
    // poolSize 2: each run holds one connection; the lock holder must not need a second one.
    const results = await Promise.all([runMigrations(ds), runMigrations(ds), runMigrations(ds)]);
    expect(results).toEqual([[], [], []]);
  });

  it('applies the migrations to an empty database exactly once when two processes start together', async () => {
    const db = await createTestDatabase();
    const a = createDataSource({ url: db.url, poolSize: 2 });
    const b = createDataSource({ url: db.url, poolSize: 2 });
    await Promise.all([a.initialize(), b.initialize()]);
    try {
      await a.query('DROP SCHEMA public CASCADE');
      await a.query('CREATE SCHEMA public');
      const [fromA, fromB] = await Promise.all([runMigrations(a), runMigrations(b)]);
      // One of them applied everything, the other waited for the lock and found nothing to do.
      expect([fromA, fromB].sort((x, y) => x.length - y.length)).toEqual([[], MIGRATIONS.map((m) => m.name)]);
      expect(await runMigrations(b)).toEqual([]);
      const sql = await a.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});
