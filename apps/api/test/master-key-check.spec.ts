import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox } from '@imbridge/crypto';
import { createDataSource, runMigrations } from '@imbridge/persistence';
import { createTestDatabase } from '@imbridge/testing';
import type { DataSource } from 'typeorm';
import { checkMasterKey, MasterKeyMismatchError, SecretsService } from '../src/security/secrets.service';

/** The start-up check opens every stored secret, the bot's external-app keys included. */
describe('checkMasterKey', () => {
  let ds: DataSource;
  const key = randomBytes(32);

  beforeAll(async () => {
    ds = createDataSource({ url: (await createTestDatabase()).url, poolSize: 2 });
    await ds.initialize();
    await runMigrations(ds);
    await checkMasterKey(ds, [key], () => undefined); // writes the canary with `key`
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('refuses a key that opens the canary but not a bot app secret, and names the integration', async () => {
    const integrationId = randomUUID();
    const other = randomBytes(32);
    // A bot secret sealed with another key (e.g. restored from another installation's dump).
    const sealed = new SecretBox([other]).seal('sk-test-1234567890', SecretsService.aad('bot_settings', integrationId, 'app_secret_enc'));
    await ds.query(`INSERT INTO bot_settings (integration_id, steps, app_secret_enc) VALUES ($1, '[]'::jsonb, $2)`, [integrationId, sealed]);
    try {
      const logs: string[] = [];
      await expect(checkMasterKey(ds, [key], (m) => logs.push(m))).rejects.toThrow(MasterKeyMismatchError);
      await expect(checkMasterKey(ds, [key], () => undefined)).rejects.toThrow(integrationId);
      // With the other key as a previous key the secret opens (rotation), and the count is logged.
      await checkMasterKey(ds, [key, other], (m) => logs.push(m));
      expect(logs.at(-1)).toMatch(/1 bot app secret/);
    } finally {
      await ds.query('DELETE FROM bot_settings WHERE integration_id = $1', [integrationId]);
    }
  });

  it('refuses a secret moved to another row (the AAD binds it to its integration)', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const sealedForA = new SecretBox([key]).seal('whsec', SecretsService.aad('bot_settings', a, 'app_secret_enc'));
    await ds.query(`INSERT INTO bot_settings (integration_id, steps, app_secret_enc) VALUES ($1, '[]'::jsonb, $2)`, [b, sealedForA]);
    try {
      await expect(checkMasterKey(ds, [key], () => undefined)).rejects.toThrow(MasterKeyMismatchError);
    } finally {
      await ds.query('DELETE FROM bot_settings WHERE integration_id = $1', [b]);
    }
  });
});
