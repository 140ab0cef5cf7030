import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CryptoError, SecretBox } from '@imbridge/crypto';
import { IntegrationEntity, SystemSettingEntity } from '@imbridge/persistence';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

const CANARY_KEY = 'master_key_canary';
const CANARY_AAD = 'system_settings:master_key_canary';

export class MasterKeyMismatchError extends Error {
  constructor(detail: string) {
    super(
      `IMBRIDGE_MASTER_KEY cannot decrypt the secrets stored in this database (${detail}). ` +
        'Start with the key that encrypted them (put a rotated-out key in IMBRIDGE_MASTER_KEY_PREVIOUS). ' +
        'Refusing to start rather than write secrets under a different key.',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * Refuses to start when the configured key cannot open what is stored (the canary row and every
 * integration secret); seeds the canary on a fresh database. Runs right after the migrations, before
 * any queue worker or HTTP route exists, so a process with a wrong key never touches a job or a secret.
 */
export async function checkMasterKey(ds: DataSource, keys: Buffer[], log: (msg: string) => void = (m) => new Logger('Secrets').log(m)): Promise<void> {
  const box = new SecretBox(keys);
  const openOrFail = (sealed: string, aad: string, what: string): void => {
    try {
      box.open(sealed, aad);
    } catch (err) {
      if (err instanceof CryptoError) throw new MasterKeyMismatchError(`${what}: ${err.code}`);
      throw err;
    }
  };
  const canary = await ds.getRepository(SystemSettingEntity).findOne({ where: { key: CANARY_KEY } });
  if (!canary) {
    const value = { sealed: box.seal('imbridge', CANARY_AAD) };
    await ds.getRepository(SystemSettingEntity).createQueryBuilder().insert().values({ key: CANARY_KEY, value }).orIgnore().execute();
  } else {
    openOrFail((canary.value as { sealed: string }).sealed, CANARY_AAD, 'canary');
  }
  const rows = await ds.getRepository(IntegrationEntity).find({ withDeleted: false });
  for (const row of rows) {
    for (const [field, stored] of Object.entries(row.secrets)) {
      openOrFail(stored.sealed, SecretsService.aad('integrations', row.id, field), `integration ${row.id} field ${field}`);
    }
  }
  // External-app keys of the bot (bot_settings.app_secret_enc, AAD bot_settings:<integration>:app_secret_enc).
  const appSecrets: { integration_id: string; app_secret_enc: string }[] = await ds.query(
    'SELECT integration_id, app_secret_enc FROM bot_settings WHERE app_secret_enc IS NOT NULL',
  );
  for (const row of appSecrets) {
    openOrFail(row.app_secret_enc, SecretsService.aad('bot_settings', row.integration_id, 'app_secret_enc'), `bot settings of integration ${row.integration_id}`);
  }
  log(`master key ${box.currentKeyId} opens ${rows.length} integration(s) and ${appSecrets.length} bot app secret(s)`);
}

/** Seals and opens secret fields; each ciphertext is bound to its row and field through the AAD. */
@Injectable()
export class SecretsService {
  private readonly box: SecretBox;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.box = new SecretBox(config.masterKeys);
  }

  static aad(table: string, rowId: string, field: string): string {
    return `${table}:${rowId}:${field}`;
  }

  seal(plaintext: string, aad: string): string {
    return this.box.seal(plaintext, aad);
  }

  open(sealed: string, aad: string): string {
    return this.box.open(sealed, aad);
  }

  needsReseal(sealed: string): boolean {
    return this.box.needsReseal(sealed);
  }
}
