import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
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

/** Seals and opens secret fields; each ciphertext is bound to its row and field through the AAD. */
@Injectable()
export class SecretsService implements OnModuleInit {
  private readonly box: SecretBox;
  private readonly logger = new Logger('Secrets');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(SystemSettingEntity) private readonly settings: Repository<SystemSettingEntity>,
    @InjectRepository(IntegrationEntity) private readonly integrations: Repository<IntegrationEntity>,
  ) {
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

  /** Refuses to start when the configured key cannot open what is stored. */
  async onModuleInit(): Promise<void> {
    const canary = await this.settings.findOne({ where: { key: CANARY_KEY } });
    if (!canary) {
      const value = { sealed: this.box.seal('imbridge', CANARY_AAD) };
      await this.settings.createQueryBuilder().insert().values({ key: CANARY_KEY, value }).orIgnore().execute();
    } else {
      this.openOrFail((canary.value as { sealed: string }).sealed, CANARY_AAD, 'canary');
    }
    const rows = await this.integrations.find({ withDeleted: false });
    for (const row of rows) {
      for (const [field, stored] of Object.entries(row.secrets)) {
        this.openOrFail(stored.sealed, SecretsService.aad('integrations', row.id, field), `integration ${row.id} field ${field}`);
      }
    }
    this.logger.log(`master key ${this.box.currentKeyId} opens ${rows.length} integration(s)`);
  }

  private openOrFail(sealed: string, aad: string, what: string): void {
    try {
      this.box.open(sealed, aad);
    } catch (err) {
      if (err instanceof CryptoError) throw new MasterKeyMismatchError(`${what}: ${err.code}`);
      throw err;
    }
  }
}
