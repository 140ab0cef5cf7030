import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { listKfAccounts, readWecomKfConfig } from '@imbridge/platform-wecom-kf';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisLock, RedisService } from '../common/redis.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import { KF_PLATFORM, KfPuller } from './kf-puller.service';

/** kf/account/list is asked again after this long (new accounts get primed without a callback). */
const ACCOUNT_LIST_TTL_MS = 10 * 60_000;

/**
 * Worker role: on the sweeper's cadence, pulls every served account of every enabled wecom-kf integration, so
 * a message whose callback was lost still arrives, and a new account is primed (its history skipped)
 * before its first customer writes.
 */
@Injectable()
export class KfPeriodicPull implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KfPeriodicPull');
  private readonly http: GuardedHttpClient;
  private readonly accountLists = new Map<string, { at: number; ids: string[] }>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly puller: KfPuller,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One round; returns how many accounts were pulled (0 when another process has the round). */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let lock: RedisLock | null = null;
    try {
      lock = await RedisLock.acquire(this.redis.client, this.redis.key('kf-periodic-lock'), Math.max(this.config.sweepIntervalMs, 5000));
      if (!lock) return 0;
      const rows: { id: string }[] = await this.ds.query(`SELECT id FROM integrations WHERE platform = $1 AND enabled ORDER BY id`, [KF_PLATFORM]);
      let pulled = 0;
      for (const { id } of rows) {
        for (const openKfId of await this.accounts(id)) {
          try {
            await this.puller.pull(id, openKfId);
            pulled++;
          } catch (err) {
            this.logger.warn(`periodic pull of kf ${openKfId} (integration ${id}) failed: ${(err as Error).message}`);
          }
        }
      }
      return pulled;
    } catch (err) {
      this.logger.warn(`periodic kf pull failed: ${(err as Error).message}`);
      return 0;
    } finally {
      await lock?.release().catch(() => undefined);
      this.running = false;
    }
  }

  /**
   * Accounts with a cursor, plus those kf/account/list shows (cached; a failing list keeps the known
   * ones), minus those an administrator marked not served.
   */
  private async accounts(integrationId: string): Promise<string[]> {
    const known = await this.puller.knownAccounts(integrationId);
    const cached = this.accountLists.get(integrationId);
    let listed = cached?.ids ?? [];
    if (!cached || Date.now() - cached.at > ACCOUNT_LIST_TTL_MS) {
      try {
        const integration = await this.integrations.runtime(integrationId);
        if (integration) {
          const accounts = await listKfAccounts({ http: this.http, tokens: this.tokens }, readWecomKfConfig(integration.config));
          listed = accounts.map((a) => a.openKfId);
          this.accountLists.set(integrationId, { at: Date.now(), ids: listed });
        }
      } catch (err) {
        this.logger.warn(`kf/account/list for integration ${integrationId} failed: ${(err as Error).message}`);
      }
    }
    const unserved: { open_kfid: string }[] = await this.ds.query('SELECT open_kfid FROM kf_accounts WHERE integration_id = $1 AND NOT served', [integrationId]);
    const skip = new Set(unserved.map((r) => r.open_kfid));
    return [...new Set([...known, ...listed])].filter((id) => !skip.has(id));
  }
}
